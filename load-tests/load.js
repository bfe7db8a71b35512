#!/usr/bin/env node
// npm run load -- <scenario> [--mode standalone|distributed] [--rate N] [--duration 2m] [--no-record]
// npm run load:knee -- [--mode …] [--from 25] [--step 25] [--to 400] [--duration 20s] [--no-record]
//   steps the rate of intake-steady up on one running platform until the POST p99 passes
//   KNEE_P99_MS (200), prints the curve and records the knee: the highest rate that held.
//
// Starts what the scenario needs (a standalone Duban of its own on other ports, or the local
// distributed stack with the services), runs the k6 scenario of load-tests/<scenario>.js,
// and reports, besides k6's summary: CPU per process (each service with its own database
// backends, PostgreSQL, Kafka, Keycloak, Jaeger, k6 itself) per accepted case, database
// transactions per accepted case per service, and how long the backlog (outbox rows, bus or
// consumer-group lag) took to drain after the load stopped. A row goes into docs/benchmarks.md.
// Loopback only; bounded by the scenario's duration.
'use strict';
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, rmSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { Client } = require('pg');

const REPO = resolve(__dirname, '..');
const SERVICES = ['intake', 'dispatch', 'collaboration', 'escalation', 'assessment', 'notification'];
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

function parseArgs(argv) {
  const args = { scenario: undefined, mode: 'standalone', rate: undefined, duration: undefined, record: true, extra: {}, knee: false, from: 25, step: 25, to: 400 };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--mode') args.mode = argv[++i];
    else if (a === '--rate') args.rate = Number(argv[++i]);
    else if (a === '--duration') args.duration = argv[++i];
    else if (a === '--no-record') args.record = false;
    else if (a === '--knee') args.knee = true;
    else if (a === '--from') args.from = Number(argv[++i]);
    else if (a === '--step') args.step = Number(argv[++i]);
    else if (a === '--to') args.to = Number(argv[++i]);
    else if (a === '--checkout') args.checkout = resolve(argv[++i]);
    else if (a === '--env') {
      const [k, ...v] = argv[++i].split('=');
      args.extra[k] = v.join('=');
    } else if (!a.startsWith('--') && !args.scenario) args.scenario = a.replace(/\.js$/, '');
    else throw new Error(`unknown argument ${a}`);
  }
  if (args.knee) args.scenario ??= 'intake-steady';
  if (!args.scenario) throw new Error('usage: npm run load -- <scenario> [--mode standalone|distributed] [--rate N] [--duration 2m] [--no-record]');
  if (!existsSync(join(__dirname, `${args.scenario}.js`))) throw new Error(`no scenario load-tests/${args.scenario}.js`);
  if (!['standalone', 'distributed'].includes(args.mode)) throw new Error('--mode is standalone or distributed');
  return args;
}

const say = (line) => process.stdout.write(`load: ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function stackEnv() {
  const out = execFileSync('bash', ['-c', 'source deploy/local/env.sh && env'], { cwd: REPO }).toString();
  return Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

// --- processes and their CPU -------------------------------------------------------------------
function procStat(pid) {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** Resident memory in MiB of each named process (the soak compares the start with the end). */
function sampleRss(named) {
  const out = {};
  for (const [label, pid] of Object.entries(named)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) out[label] = Math.round(Number(m[1]) / 1024);
    } catch {
      /* gone */
    }
  }
  return out;
}

/** CPU ticks by label: named processes, plus PostgreSQL's backends labelled by their database. */
function sampleCpu(named, postmaster) {
  const ticks = {};
  const add = (label, n) => (ticks[label] = (ticks[label] ?? 0) + n);
  for (const [label, pid] of Object.entries(named)) {
    const s = pid && procStat(pid);
    if (s) add(label, s.ticks);
  }
  if (postmaster) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const s = procStat(entry);
      if (!s || (s.ppid !== postmaster && Number(entry) !== postmaster)) continue;
      // Backends are titled "postgres: <user> <database> <client> <state>".
      const m = /^postgres: \S+ (duban_\w+)/.exec(cmdline(entry));
      add(m ? `pg:${m[1].replace('duban_', '')}` : 'pg:other', s.ticks);
    }
  }
  return ticks;
}

function postmasterFromDataDir(dir) {
  const file = join(dir, 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}

// --- the platform under test ----------------------------------------------------------------
async function startStandalone(args, limits) {
  const home = join(REPO, '.duban', 'load', `standalone-${Date.now()}`);
  mkdirSync(home, { recursive: true });
  const ports = { HTTP_PORT: '28080', ISSUER_PORT: '28079', PG_PORT: '25433', SERVICE_PORT_BASE: '28181' };
  // --checkout measures another checkout's build (e.g. the commit before a change) with this harness.
  const under = args.checkout ?? REPO;
  // LOAD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the platform under the load.
  const nodeArgs = (process.env.LOAD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(under, 'apps', 'standalone', 'dist', 'main.js')], {
    cwd: under,
    env: { ...process.env, ...ports, ...limits, ...args.extra, DUBAN_HOME: home, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const deadline = Date.now() + 180_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`standalone did not start:\n${output.slice(-3000)}`);
    await sleep(200);
  }
  const password = readFileSync(join(home, 'pg-password'), 'utf8').trim();
  const pgDir = [join(home, 'postgres', 'data'), '/var/lib/duban-pg'].find((d) => existsSync(join(d, 'postmaster.pid')));
  return {
    gateway: `http://127.0.0.1:${ports.HTTP_PORT}`,
    issuer: `http://127.0.0.1:${ports.ISSUER_PORT}/realms/duban`,
    dbUrl: (db) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${ports.PG_PORT}/${db}`,
    processes: () => ({ standalone: child.pid }),
    // Without its pid file (an unusual data folder) PostgreSQL's CPU is left out of the figures.
    postmaster: () => (pgDir ? postmasterFromDataDir(pgDir) : undefined),
    lag: async () => {
      const c = new Client({ connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${ports.PG_PORT}/duban_bus` });
      await c.connect();
      try {
        const [row] = (
          await c.query(`SELECT coalesce(sum(n), 0)::int AS n FROM (
            SELECT (SELECT count(*) FROM bus_messages m WHERE m.topic = o.topic AND m.partition = o.partition AND m.seq > o.last_seq) AS n
              FROM bus_offsets o) x`)
        ).rows;
        return row.n;
      } finally {
        await c.end();
      }
    },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(home, { recursive: true, force: true });
    },
  };
}

async function startDistributed(args, limits) {
  const env = { ...process.env, ...limits, ...args.extra, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  const run = (script, more = {}) => {
    const r = spawnSync('bash', [join(REPO, 'deploy', 'local', script)], { cwd: REPO, env: { ...env, ...more }, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${script} failed`);
  };
  run('stack-up.sh');
  // The services start with the limits of this run (their settings come from the environment);
  // LOAD_NODE_ARGS (e.g. --cpu-prof) goes to the services only, not to the stack's own tools.
  run('services-down.sh');
  const nodeArgs = process.env.LOAD_NODE_ARGS ?? '';
  run('services-up.sh', nodeArgs ? { DUBAN_NODE_ARGS: nodeArgs } : {});
  const stack = stackEnv();
  const pid = (name) => {
    const file = join(stack.DUBAN_STACK_DIR, 'pids', `${name}.pid`);
    return existsSync(file) ? Number(readFileSync(file, 'utf8').split(' ')[0]) : undefined;
  };
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({ clientId: 'duban-load', brokers: [`127.0.0.1:${stack.KAFKA_PORT}`], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  return {
    gateway: `http://127.0.0.1:${stack.GATEWAY_PORT ?? 8080}`,
    issuer: `http://127.0.0.1:${stack.KEYCLOAK_PORT}/realms/duban`,
    dbUrl: (db) => `postgres://postgres:${stack.PG_SUPERUSER_PASSWORD}@127.0.0.1:${stack.PG_PORT}/${db}`,
    processes: () => ({
      ...Object.fromEntries([...SERVICES, 'gateway'].map((s) => [s, pid(`svc-${s}`)])),
      kafka: pid('kafka'),
      keycloak: pid('keycloak'),
      jaeger: pid('jaeger'),
    }),
    postmaster: () => postmasterFromDataDir(join(stack.DUBAN_STACK_DIR, 'postgres', 'data')),
    lag: async () => {
      let total = 0;
      for (const s of SERVICES) {
        const groupId = `duban-${s}`;
        const committed = await admin.fetchOffsets({ groupId }).catch(() => []);
        for (const { topic, partitions } of committed) {
          const ends = await admin.fetchTopicOffsets(topic);
          for (const p of partitions) {
            const end = ends.find((e) => e.partition === p.partition);
            const at = Number(p.offset) < 0 ? 0 : Number(p.offset);
            if (end) total += Math.max(0, Number(end.high) - at);
          }
        }
      }
      return total;
    },
    stop: async () => {
      await admin.disconnect();
    },
  };
}

// --- database counters -----------------------------------------------------------------------
async function withDb(platform, db, fn) {
  const c = new Client({ connectionString: platform.dbUrl(db) });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function transactions(platform) {
  return withDb(platform, 'postgres', async (c) => {
    const { rows } = await c.query(`SELECT datname, xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname LIKE 'duban_%'`);
    return Object.fromEntries(rows.map((r) => [r.datname.replace('duban_', ''), Number(r.n)]));
  });
}

async function outboxDepth(platform) {
  let total = 0;
  for (const s of SERVICES) {
    total += await withDb(platform, `duban_${s}`, async (c) => Number((await c.query('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')).rows[0].n));
  }
  return total;
}

async function casesSince(platform, since) {
  return withDb(platform, 'duban_intake', async (c) => Number((await c.query('SELECT count(*) AS n FROM cases WHERE received_at >= $1', [since])).rows[0].n));
}

// --- k6 and the record -----------------------------------------------------------------------
function runK6(args, platform, summaryFile, workload) {
  const stack = stackEnv();
  if (!existsSync(stack.K6_BIN)) throw new Error('k6 is not built: npm run stack:up (or deploy/local/provision.sh)');
  const env = ['-e', `GATEWAY_URL=${platform.gateway}`, '-e', `OIDC_ISSUER_URL=${platform.issuer}`, '-e', `WORKLOAD=${workload}`];
  if (args.rate) env.push('-e', `RATE=${args.rate}`);
  if (args.duration) env.push('-e', `DURATION=${args.duration}`);
  for (const [k, v] of Object.entries(process.env)) if (/^(P99_MS|P95_MS|ASSIGNED_P\d+_MS|SAMPLE|VUS|PEOPLE|BURST|SOAK)/.test(k)) env.push('-e', `${k}=${v}`);
  const child = spawn(stack.K6_BIN, ['run', '--quiet', '--no-usage-report', '--summary-export', summaryFile, ...env, join(__dirname, `${args.scenario}.js`)], {
    cwd: REPO,
    stdio: 'inherit',
  });
  return child;
}

const ms = (v) => (v === undefined ? 'none in 10 s' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);

function appendRecord(mode, row) {
  const file = join(REPO, 'docs', 'benchmarks.md');
  const lines = readFileSync(file, 'utf8').split('\n');
  const marker = lines.findIndex((l) => l.trim() === `<!-- load:${mode} -->`);
  if (marker < 0) throw new Error(`docs/benchmarks.md has no <!-- load:${mode} --> table`);
  let end = marker + 1;
  while (end < lines.length && lines[end].startsWith('|')) end += 1;
  lines.splice(end, 0, row);
  writeFileSync(file, lines.join('\n'));
}

/**
 * The knee: intake-steady at rising rates on one platform, each step after the previous one's
 * backlog drained; the highest rate whose POST p99 stayed within KNEE_P99_MS, with k6 offering
 * (nearly) all of it and no errors.
 */
async function knee(args, platform, workload) {
  const limitMs = Number(process.env.KNEE_P99_MS ?? 200);
  const duration = args.duration ?? '20s';
  const curve = [];
  let best;
  const seconds = (d) => Number(/^(\d+)s$/.exec(d)?.[1] ?? Number(/^(\d+)m$/.exec(d)?.[1] ?? 0) * 60);
  // Warm-up at the first rate, not counted: JIT, pools, consumer groups settled after the start.
  say(`knee: warming up at ${args.from}/s for 15 s`);
  process.env.VUS = String(Math.max(300, args.from * 4));
  await new Promise((r) => runK6({ ...args, scenario: 'intake-steady', rate: args.from, duration: '15s' }, platform, join(REPO, '.duban', 'k6', 'knee-warmup.json'), workload).once('exit', r));
  for (let rate = args.from; rate <= args.to; rate += args.step) {
    const summaryFile = join(REPO, '.duban', 'k6', `knee-${args.mode}-${rate}.json`);
    // VUs for several seconds of latency at this rate, so the load generator (whose VUs also
    // follow the sampled cases for up to 10 s) does not drop iterations before the platform does.
    if (!process.env.KNEE_FIXED_VUS) process.env.VUS = String(Math.max(300, rate * 4));
    const code = await new Promise((r) => runK6({ ...args, scenario: 'intake-steady', rate, duration }, platform, summaryFile, workload).once('exit', (c) => r(c ?? 1)));
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    const post = summary.metrics['http_req_duration{name:create-case}'] ?? {};
    const assigned = summary.metrics.case_assigned_ms?.max > 0 ? summary.metrics.case_assigned_ms : {};
    // Iterations started per second of the step (k6's own rate also counts the tail in which followed cases finish).
    const offered = (summary.metrics.iterations?.count ?? 0) / (seconds(duration) || 1);
    const errors = summary.metrics.http_req_failed?.value ?? 0;
    const held = post['p(99)'] <= limitMs && offered >= 0.95 * rate && errors === 0;
    curve.push({ rate, offered, p99: post['p(99)'], assigned: assigned['p(99)'], held });
    say(`knee: ${rate}/s → offered ${offered.toFixed(0)}/s, POST p99 ${ms(post['p(99)'])}, assigned p99 ${ms(assigned['p(99)'])}, errors ${(errors * 100).toFixed(2)} % — ${held ? 'held' : 'past the knee'} (k6 exit ${code})`);
    if (!held) break;
    best = rate;
    // The next step starts from an empty backlog.
    const until = Date.now() + 60_000;
    while (Date.now() < until && ((await outboxDepth(platform)) > 0 || (await platform.lag()) > 0)) await sleep(500);
  }
  const line = curve.map((c) => `${c.rate}/s ${ms(c.p99)} (assigned ${ms(c.assigned)})${c.held ? '' : ' ✗'}`).join(' · ');
  say(`curve (POST p99 and POST → assigned p99 by offered rate): ${line}`);
  say(`knee: ${best === undefined ? `none (already past ${limitMs} ms at ${args.from}/s)` : `${best} cases/s with POST p99 ≤ ${limitMs} ms`}`);
  if (args.record) {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO }).toString().trim();
    appendRecord('knee', `| ${new Date().toISOString().slice(0, 10)} | ${commit} | ${args.mode} | ${duration} per step | ${line} | ${best === undefined ? 'none' : `**${best}/s**`} |`);
    say('recorded in docs/benchmarks.md');
  }
  return 0;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const rate = args.knee ? args.to : args.rate ?? 200;
  say(`building (npm run build)`);
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: 'inherit' });
  if (args.checkout) execFileSync('npm', ['run', '--silent', 'build'], { cwd: args.checkout, stdio: 'inherit' });
  execFileSync('npx', ['tsc', '-b', 'apps/simulator/tsconfig.json'], { cwd: REPO, stdio: 'inherit' });
  const workload = join(REPO, '.duban', 'load', 'workload.json');
  execFileSync(process.execPath, [join(REPO, 'apps', 'simulator', 'dist', 'load-workload.js'), workload], { cwd: REPO, stdio: 'inherit' });
  // One k6 process stands in for thousands of people: the gateway's limits are raised above the
  // offered rate for the run (they still run on every request; they just never refuse).
  const limit = String(Math.max(30_000, rate * 60 * 20));
  const limits = { RATE_LIMIT_USER_PER_MINUTE: limit, RATE_LIMIT_CLIENT_PER_MINUTE: limit };
  say(`starting the ${args.mode} platform`);
  const platform = args.mode === 'standalone' ? await startStandalone(args, limits) : await startDistributed(args, limits);
  let exitCode = 1;
  try {
    if (args.knee) {
      mkdirSync(join(REPO, '.duban', 'k6'), { recursive: true });
      exitCode = await knee(args, platform, workload);
      return;
    }
    const summaryFile = join(REPO, '.duban', 'k6', `${args.scenario}-${args.mode}.json`);
    mkdirSync(join(REPO, '.duban', 'k6'), { recursive: true });
    const since = new Date();
    const postmaster = platform.postmaster();
    let k6pid;
    const named = () => ({ ...platform.processes(), k6: k6pid });
    const xactBefore = await transactions(platform);
    const child = runK6(args, platform, summaryFile, workload);
    k6pid = child.pid;
    const cpuBefore = sampleCpu(named(), postmaster);
    const rssBefore = sampleRss(platform.processes());
    const startedAt = Date.now();
    // k6's own CPU is read just before it exits (its /proc entry goes with it).
    let cpuK6 = 0;
    const k6Sampler = setInterval(() => {
      const s = procStat(child.pid);
      if (s) cpuK6 = s.ticks;
    }, 500);
    exitCode = await new Promise((r) => child.once('exit', (code) => r(code ?? 1)));
    clearInterval(k6Sampler);
    const loadSeconds = (Date.now() - startedAt) / 1000;
    const rssAfter = sampleRss(platform.processes());
    // The backlog after the load: outbox rows not yet published and messages not yet consumed.
    const stopAt = Date.now();
    let drained;
    let backlog = { outbox: await outboxDepth(platform), lag: await platform.lag() };
    const backlogAtStop = backlog;
    while (Date.now() - stopAt < 120_000) {
      if (backlog.outbox === 0 && backlog.lag === 0) {
        drained = (Date.now() - stopAt) / 1000;
        break;
      }
      await sleep(500);
      backlog = { outbox: await outboxDepth(platform), lag: await platform.lag() };
    }
    // Read after the backlog drained: the work each case caused, wherever and whenever it ran.
    const cpuAfter = sampleCpu(platform.processes(), postmaster);
    cpuAfter.k6 = cpuK6;
    cpuBefore.k6 = 0;
    const xactAfter = await transactions(platform);
    const accepted = await casesSince(platform, since);
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    const post = summary.metrics['http_req_duration{name:create-case}'] ?? {};
    // An empty trend (no followed case was assigned within its 10 s) reads as zeros in k6's summary.
    const assigned = summary.metrics.case_assigned_ms?.max > 0 ? summary.metrics.case_assigned_ms : { med: undefined, 'p(99)': undefined };
    const perCase = (n) => (accepted > 0 ? n / accepted : 0);
    const cpu = Object.fromEntries(
      Object.keys(cpuAfter).map((k) => [k, ((cpuAfter[k] - (cpuBefore[k] ?? 0)) / CLK_TCK) * 1000]).filter(([, v]) => v > 0),
    );
    const xacts = Object.fromEntries(SERVICES.map((s) => [s, (xactAfter[s] ?? 0) - (xactBefore[s] ?? 0)]));
    const totalCpu = Object.values(cpu).reduce((a, b) => a + b, 0);
    const cpuLine = Object.entries(cpu)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${perCase(v).toFixed(2)}`)
      .join(', ');
    const xactLine = SERVICES.map((s) => `${s} ${perCase(xacts[s]).toFixed(2)}`).join(', ');
    const rateSeen = (summary.metrics.iterations?.rate ?? 0).toFixed(0);
    say(`accepted ${accepted} cases in ${loadSeconds.toFixed(0)} s (${rateSeen}/s offered by k6); linked as repeats: ${summary.metrics.cases_linked?.count ?? 0}`);
    say(`POST p50 ${ms(post.med)} p95 ${ms(post['p(95)'])} p99 ${ms(post['p(99)'])}; POST → assigned p50 ${ms(assigned.med)} p99 ${ms(assigned['p(99)'])}`);
    say(`CPU ms per case: total ${perCase(totalCpu).toFixed(2)} (${cpuLine})`);
    say(`transactions per case: ${xactLine}`);
    say(`backlog at the end of the load: ${backlogAtStop.outbox} outbox rows, ${backlogAtStop.lag} messages of lag; ${drained === undefined ? 'not drained in 120 s' : `drained in ${drained.toFixed(1)} s`}`);
    say(`memory (RSS MiB, start → end of the load): ${Object.keys(rssAfter).map((k) => `${k} ${rssBefore[k] ?? '?'} → ${rssAfter[k]}`).join(', ')}`);
    say(`k6 thresholds ${exitCode === 0 ? 'held' : 'FAILED'}`);
    if (args.record) {
      const under = args.checkout ?? REPO;
      const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: under }).toString().trim();
      const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: under }).toString().trim() ? '+' : '';
      const date = new Date().toISOString().slice(0, 10);
      appendRecord(
        args.mode,
        `| ${date} | ${commit}${dirty} | ${args.scenario} | ${rateSeen}/s × ${loadSeconds.toFixed(0)} s | ${accepted} | ${((summary.metrics.http_req_failed?.value ?? 0) * 100).toFixed(2)} % | ${ms(post.med)} | ${ms(post['p(95)'])} | ${ms(post['p(99)'])} | ${ms(assigned['p(99)'])} | ${perCase(totalCpu).toFixed(1)} (${cpuLine}) | ${xactLine} | ${drained === undefined ? '> 120 s' : `${drained.toFixed(1)} s`} | ${exitCode === 0 ? 'held' : '**failed**'} |`,
      );
      say('recorded in docs/benchmarks.md');
    }
  } finally {
    await platform.stop();
    if (args.knee) process.exit(exitCode);
  }
  process.exit(exitCode);
}

main().catch((error) => {
  process.stderr.write(`load: ${error.message}\n`);
  process.exit(2);
});
