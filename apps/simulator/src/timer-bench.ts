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
import { migrate } from '@duban/persistence';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname, loadavg } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { ROOT, Server, startServer, admin, CLK_TCK, pgCpuSeconds, nodeCpuSeconds } from './bench-server';
import {
  Sweeper,
  logger,
  productionSweeper,
  source,
  Rewrite,
  asIs,
  rewritingSource,
  fill,
  retime,
  reset,
  vacuum,
  deadTarget,
  makeDead,
  vacuumVerbose,
  explainWithDue,
} from './timer-bench-clocks';

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
