/**
 * Routing accuracy on real data (issue 4): learns routing rules from Boston 311
 * cases of Jan–Jun 2015 with dispatch's own learner and measures, on Jul–Sep,
 * how often dispatch's rule matching (RuleBook, resolvePlace) picks the
 * handling team (QUEUE) and the department the city really used — beside the
 * one-line baseline (most common queue / department per case type and PWD
 * district). Reads the full data in ../shared; says so and exits 2 without it.
 *
 *   npm run bench:routing [-- --daily]     (--daily: also rebuild the rules every day)
 */
import { District, learnRules, PastCase, resolvePlace, RuleBook, RoutingRule } from '@duban/dispatch';
import { parseBostonTime } from '@duban/intake';
import { parse } from 'csv-parse';
import { createReadStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';

const DATA = join(resolve(__dirname, '../../..'), '..', 'shared', 'data', 'boston-311-2015', 'cases-2015-01-to-09.csv.gz');
const SPLIT = Date.UTC(2015, 6, 1);
const DAY = 86_400_000;

interface Row {
  at: number;
  type: string;
  queue: string;
  department: string;
  pwd: string;
}

async function readRows(): Promise<Row[]> {
  const rows: Row[] = [];
  const parser = createReadStream(DATA).pipe(createGunzip()).pipe(parse({ columns: true }));
  for await (const r of parser as AsyncIterable<Record<string, string>>) {
    rows.push({ at: parseBostonTime(r.OPEN_DT), type: r.TYPE, queue: r.QUEUE, department: r.Department, pwd: r.pwd_district.trim() });
  }
  return rows;
}

/** Boston TYPEs as category codes (dispatch reads dots in a code as class levels). */
function categoryCodes(rows: Row[]): Map<string, string> {
  const codes = new Map<string, string>();
  const used = new Set<string>();
  for (const t of new Set(rows.map((r) => r.type))) {
    const base = `boston-${t.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
    let code = base;
    for (let i = 2; used.has(code); i += 1) code = `${base}-${i}`;
    used.add(code);
    codes.set(t, code);
  }
  return codes;
}

/** Labels that say where a case waits, not who handles it, and types whose department is whoever the comment is about. */
const HOLDING_QUEUES = new Set(['INFO01_GenericeFormforOtherServiceRequestTypes', 'INFO_Reallocation From Dept']);
const ABOUT_ANYONE = new Set(['General Comments For a Program or Policy', 'General Comments For An Employee']);

const pct = (n: number, d: number) => (d === 0 ? '—' : `${((100 * n) / d).toFixed(1)}`);

/** The one-line baseline: most common label per TYPE × PWD district, else per TYPE (plain counts, ties to the first seen). */
function baseline(train: Row[], label: (r: Row) => string) {
  const byType = new Map<string, Map<string, number>>();
  const byCell = new Map<string, Map<string, number>>();
  const bump = (m: Map<string, Map<string, number>>, k: string, v: string) => {
    const c = m.get(k) ?? new Map<string, number>();
    c.set(v, (c.get(v) ?? 0) + 1);
    m.set(k, c);
  };
  for (const r of train) {
    bump(byType, r.type, label(r));
    if (r.pwd) bump(byCell, `${r.type}\u0000${r.pwd}`, label(r));
  }
  const top = (c: Map<string, number> | undefined) => {
    let best: string | undefined;
    for (const [v, n] of c ?? []) if (best === undefined || n > c!.get(best)!) best = v;
    return best;
  };
  return (r: Row) => (r.pwd ? top(byCell.get(`${r.type}\u0000${r.pwd}`)) : undefined) ?? top(byType.get(r.type));
}

async function main(): Promise<void> {
  if (!existsSync(DATA)) {
    console.error(`bench:routing needs the Boston 311 data at ${DATA} (../shared beside the repository); it is not there, nothing measured.`);
    process.exit(2);
  }
  const daily = process.argv.includes('--daily');
  const started = Date.now();
  const rows = await readRows();
  const train = rows.filter((r) => r.at < SPLIT);
  const test = rows.filter((r) => r.at >= SPLIT);
  const codes = categoryCodes(rows);
  const departmentOf = new Map(rows.map((r) => [r.queue, r.department]));
  // PWD districts as jurisdictions of one scheme (codes only: Boston publishes no areas with the cases).
  const districts = new Map<string, District>([...new Set(rows.map((r) => r.pwd).filter(Boolean))].map((c) => [`pwd-${c.toLowerCase()}`, { id: `pwd-${c.toLowerCase()}`, scheme: 'pwd', parentId: null }]));
  const ranks = new Map([['pwd', 1]]);
  const history = (r: Row): PastCase => ({ category: codes.get(r.type)!, districtId: r.pwd ? `pwd-${r.pwd.toLowerCase()}` : null, unitId: r.queue, at: r.at });
  const route = (book: RuleBook, r: Row) => {
    const places = resolvePlace(r.pwd ? { district: `pwd-${r.pwd.toLowerCase()}` } : undefined, districts, ranks);
    return book.match(codes.get(r.type)!, places)?.unitId;
  };

  const learned: RoutingRule[] = learnRules(train.map(history), { reference: SPLIT, halfLifeDays: 60, minSupport: 2, minGain: 1 });
  const book = new RuleBook(learned);
  const queueBaseline = baseline(train, (r) => r.queue);
  const departmentBaseline = baseline(train, (r) => r.department);

  // Optional: the same learner rebuilt every day from everything before that day (half-life 30 days).
  const dailyQueue = new Map<Row, string | undefined>();
  if (daily) {
    for (let day = SPLIT; day < Math.max(...test.map((r) => r.at)) + DAY; day += DAY) {
      const todays = test.filter((r) => r.at >= day && r.at < day + DAY);
      if (todays.length === 0) continue;
      const rebuilt = new RuleBook(learnRules(rows.filter((r) => r.at < day).map(history), { reference: day, halfLifeDays: 30, minSupport: 2, minGain: 1 }));
      for (const r of todays) dailyQueue.set(r, route(rebuilt, r));
    }
  }

  type Count = { n: number; q: number; d: number; bq: number; bd: number; dq: number; dd: number };
  const zero = (): Count => ({ n: 0, q: 0, d: 0, bq: 0, bd: 0, dq: 0, dd: 0 });
  const byDepartment = new Map<string, Count>();
  const all = zero();
  const routable = zero();
  for (const r of test) {
    const queue = route(book, r);
    const dq = dailyQueue.get(r);
    const c = byDepartment.get(r.department) ?? zero();
    for (const x of [c, all]) {
      x.n += 1;
      if (queue === r.queue) x.q += 1;
      if (queue !== undefined && departmentOf.get(queue) === r.department) x.d += 1;
      if (queueBaseline(r) === r.queue) x.bq += 1;
      if (departmentBaseline(r) === r.department) x.bd += 1;
      if (dq === r.queue) x.dq += 1;
      if (dq !== undefined && departmentOf.get(dq) === r.department) x.dd += 1;
    }
    byDepartment.set(r.department, c);
    if (!HOLDING_QUEUES.has(r.queue) && !ABOUT_ANYONE.has(r.type)) {
      routable.n += 1;
      if (queue === r.queue) routable.q += 1;
      if (queue !== undefined && departmentOf.get(queue) === r.department) routable.d += 1;
    }
  }
  const cityWide = learned.filter((r) => r.districtId === null).length;
  console.log(`Boston 311: ${train.length} cases Jan–Jun (rules learned), ${test.length} Jul–Sep (measured); ${codes.size} types, ${departmentOf.size} queues`);
  console.log(`rules: ${learned.length} (${cityWide} city-wide by type, ${learned.length - cityWide} type × PWD district); half-life 60 days, support ≥ 2, gain ≥ 1`);
  console.log(`department: ${all.d} / ${all.n} = ${pct(all.d, all.n)} % (baseline ${all.bd} = ${pct(all.bd, all.n)} %)`);
  console.log(`queue:      ${all.q} / ${all.n} = ${pct(all.q, all.n)} % (baseline ${all.bq} = ${pct(all.bq, all.n)} %)`);
  console.log(
    `without holding queues (${[...HOLDING_QUEUES].join(', ')}) and General Comments types: ` +
      `${routable.n} cases, department ${pct(routable.d, routable.n)} %, queue ${pct(routable.q, routable.n)} %`,
  );
  if (daily) console.log(`rebuilt daily (half-life 30): department ${pct(all.dd, all.n)} %, queue ${pct(all.dq, all.n)} %`);
  console.log('');
  console.log(`| department | test cases | baseline dept % | Duban dept % | baseline queue % | Duban queue % |${daily ? ' daily queue % |' : ''}`);
  console.log(`|---|---:|---:|---:|---:|---:|${daily ? '---:|' : ''}`);
  for (const [dept, c] of [...byDepartment].sort((a, b) => b[1].n - a[1].n)) {
    console.log(`| ${dept} | ${c.n} | ${pct(c.bd, c.n)} | ${pct(c.d, c.n)} | ${pct(c.bq, c.n)} | ${pct(c.q, c.n)} |${daily ? ` ${pct(c.dq, c.n)} |` : ''}`);
  }
  console.log(`| **all** | ${all.n} | ${pct(all.bd, all.n)} | ${pct(all.d, all.n)} | ${pct(all.bq, all.n)} | ${pct(all.q, all.n)} |${daily ? ` ${pct(all.dq, all.n)} |` : ''}`);
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
