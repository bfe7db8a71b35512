import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { BostonRow, categoryIndex, parseBostonTime, ReplaySummary, Submission, toSubmission } from './replay';

const REPO = resolve(__dirname, '../../..');
const FULL_DATA = join(REPO, '..', 'shared', 'data', 'boston-311-2015', 'cases-2015-01-to-09.csv.gz');
// Every case of one week (4–10 May 2015): real bursts and rate, for a plain clone without ../shared.
const WEEK = join(REPO, 'libs', 'intake', 'src', 'seed', 'boston-week.csv.gz');
const CATEGORIES = join(REPO, 'libs', 'intake', 'src', 'seed', 'categories.json');

interface Options {
  speed: number;
  limit: number;
  source: string;
  gateway: string;
  issuer: string;
  concurrency: number;
  quiet: boolean;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function readOptions(): Options {
  const speed = Number(option('speed') ?? 600);
  const limit = Number(option('limit') ?? Number.POSITIVE_INFINITY);
  if (!(speed > 0)) throw new Error('--speed must be a positive number (600 = ten hours of Boston traffic per minute)');
  if (!(limit > 0)) throw new Error('--limit must be a positive number of cases');
  const source = option('source') ?? (existsSync(FULL_DATA) ? FULL_DATA : WEEK);
  if (!existsSync(source)) throw new Error(`no data at ${source}`);
  const standalone = existsSync(join(process.env.DUBAN_HOME ?? join(REPO, '.duban', 'standalone'), 'duban.pid'));
  return {
    speed,
    limit,
    source,
    gateway: option('gateway') ?? process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080',
    issuer:
      option('issuer') ??
      process.env.OIDC_ISSUER_URL ??
      (standalone ? 'http://127.0.0.1:8079/realms/duban' : 'http://127.0.0.1:18080/realms/duban'),
    concurrency: Number(option('concurrency') ?? 64),
    quiet: process.argv.includes('--quiet'),
  };
}

/** Access tokens per demo user, fetched again shortly before they expire (a replay runs for hours). */
class Tokens {
  private readonly cache = new Map<string, { token: string; expiresAt: number }>();
  constructor(private readonly issuer: string) {}

  async get(username: string, fresh = false): Promise<string> {
    const cached = this.cache.get(username);
    if (!fresh && cached && cached.expiresAt - Date.now() > 60_000) return cached.token;
    const response = await fetch(`${this.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', client_id: 'duban-cli', username, password: 'duban-demo' }),
    }).catch(() => undefined);
    if (!response?.ok) throw new Error(`cannot get a token for ${username} from ${this.issuer}: is Duban running (npm start)?`);
    const body = (await response.json()) as { access_token: string; expires_in?: number };
    this.cache.set(username, { token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 300) * 1000 });
    return body.access_token;
  }
}

/** At most this many accepted cases are read back for the by-unit table (16 readers; about a minute). */
const UNIT_READBACK_LIMIT = 20_000;

/** Hotline, web and app cases are filed by an operator; inspection findings by a supervisor. */
const FILER: Record<Submission['channel'], string> = { hotline: 'operator1', web: 'operator1', app: 'operator1', inspection: 'supervisor1' };

/** How far through the input the replay is, 0..1 (compressed bytes read, or cases of --limit). */
let readShare = () => 0;
/** When the first case of the input arrived in Boston (offsets count from it). */
let firstArrival = 0;

async function* submissions(options: Options, skipped: Map<string, number>): AsyncGenerator<Submission> {
  const index = categoryIndex(JSON.parse(readFileSync(CATEGORIES, 'utf8')));
  const file = createReadStream(options.source);
  const size = statSync(options.source).size;
  let count = 0;
  readShare = () => (Number.isFinite(options.limit) ? count / options.limit : file.bytesRead / size);
  const parser = file
    .pipe(createGunzip())
    .pipe(parse({ columns: true, relax_column_count: true, skip_empty_lines: true }));
  let first: number | undefined;
  for await (const row of parser as AsyncIterable<BostonRow>) {
    if (first === undefined) {
      first = parseBostonTime(row.OPEN_DT);
      firstArrival = first;
    }
    const s = toSubmission(row, first, index);
    if ('skipped' in s) {
      ReplaySummary.bump(skipped, s.skipped);
      continue;
    }
    yield s;
    count += 1;
    if (count >= options.limit) return;
  }
}

function progress(summary: ReplaySummary, inFlight: number, bostonMs: number, startedAt: number): string {
  const elapsed = ((Date.now() - startedAt) / 1000).toFixed(0);
  const share = Math.min(1, Math.max(0, readShare()));
  const bar = `[${'#'.repeat(Math.round(share * 24)).padEnd(24, '.')}] ${String(Math.round(share * 100)).padStart(3)}%`;
  const simulated = new Date(bostonMs).toISOString().slice(0, 16).replace('T', ' ');
  const rejected = summary.submitted - summary.accepted - inFlight;
  return `${bar}  Boston ${simulated}  submitted ${summary.submitted}  accepted ${summary.accepted}  rejected ${rejected}  in flight ${inFlight}  ${elapsed}s`;
}

async function main(): Promise<void> {
  const options = readOptions();
  process.stderr.write(
    `Replaying ${options.source === FULL_DATA ? 'the Boston 311 cases of Jan–Sep 2015 (../shared)' : `${options.source === WEEK ? 'the shipped week of Boston 311 cases, 4–10 May 2015 (../shared not found)' : options.source}`} ` +
      `at ${options.speed}× into ${options.gateway}\n`,
  );
  const tokens = new Tokens(options.issuer);
  await tokens.get('operator1');
  await tokens.get('supervisor1');

  const summary = new ReplaySummary();
  const acceptedIds: { id: string }[] = [];
  const startedAt = Date.now();
  let inFlight = 0;
  let lastBoston = 0;
  let lastDraw = 0;
  const tty = process.stderr.isTTY && !options.quiet;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < (tty ? 200 : 5000)) return;
    lastDraw = now;
    const line = progress(summary, inFlight, lastBoston, startedAt);
    process.stderr.write(tty ? `\r${line.padEnd(140)}` : `${line}\n`);
  };
  const pending = new Set<Promise<void>>();

  const submit = async (s: Submission) => {
    inFlight += 1;
    summary.submitted += 1;
    try {
      const post = async (fresh: boolean) =>
        fetch(`${options.gateway}/api/v1/cases`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await tokens.get(FILER[s.channel], fresh)}`, 'content-type': 'application/json' },
          body: JSON.stringify(s.body),
        });
      let response = await post(false);
      if (response.status === 401) response = await post(true);
      const body = (await response.json().catch(() => ({}))) as { id?: string; title?: string; errors?: { field: string; detail: string }[] };
      if (response.status === 201 && body.id) {
        summary.accepted += 1;
        ReplaySummary.bump(summary.byCategory, s.body.category);
        acceptedIds.push({ id: body.id });
      } else {
        const reason = body.errors?.length ? body.errors.map((e) => `${e.field}: ${e.detail}`).join('; ') : (body.title ?? '');
        ReplaySummary.bump(summary.rejected, `${response.status} ${reason}`.trim());
      }
    } catch (error) {
      ReplaySummary.bump(summary.rejected, `no answer: ${(error as Error).message}`);
    } finally {
      inFlight -= 1;
    }
  };

  for await (const s of submissions(options, summary.skipped)) {
    const due = startedAt + s.offsetMs / options.speed;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (pending.size >= options.concurrency) await Promise.race(pending);
    lastBoston = firstArrival + s.offsetMs;
    const p = submit(s).finally(() => pending.delete(p));
    pending.add(p);
    draw();
  }
  await Promise.all(pending);
  draw(true);
  if (tty) process.stderr.write('\n');

  // Which unit each accepted case went to, as dispatch decided (read back through the API).
  await new Promise((r) => setTimeout(r, 2000));
  // Every accepted case up to UNIT_READBACK_LIMIT; beyond, an even sample of that many (the table says so).
  const step = Math.max(1, acceptedIds.length / UNIT_READBACK_LIMIT);
  const queue = Array.from({ length: Math.min(acceptedIds.length, UNIT_READBACK_LIMIT) }, (_, i) => acceptedIds[Math.floor(i * step)]);
  summary.unitsReadFrom = queue.length;
  const workers = Array.from({ length: 16 }, async () => {
    for (let item = queue.pop(); item; item = queue.pop()) {
      const response = await fetch(`${options.gateway}/api/v1/cases/${item.id}`, {
        headers: { authorization: `Bearer ${await tokens.get('operator1')}` },
      }).catch(() => undefined);
      const view = (await response?.json().catch(() => undefined)) as { unitId?: string | null } | undefined;
      ReplaySummary.bump(summary.byUnit, view?.unitId ?? '(not assigned yet)');
    }
  });
  await Promise.all(workers);
  process.stdout.write(summary.render());
}

// Started by the standalone demo mode with an IPC channel: stop when that process is gone.
if (process.send) process.on('disconnect', () => process.exit(0));

main().catch((error: Error) => {
  process.stderr.write(`\nsimulate: ${error.message}\n`);
  process.exit(1);
});
