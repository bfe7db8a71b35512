import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { BostonRow, categoryIndex, parseBostonTime, toSubmission } from './replay';

const REPO = resolve(__dirname, '../../..');
// Every case of one week (4–10 May 2015), shipped with the repository: the load tests need no ../shared.
const WEEK = join(REPO, 'libs', 'intake', 'src', 'seed', 'boston-week.csv.gz');
const CATEGORIES = join(REPO, 'libs', 'intake', 'src', 'seed', 'categories.json');

/**
 * The k6 load tests' workload, from real Boston 311 cases: each case's request
 * body (category, text, place) and the share of a day's cases that arrives in
 * each hour (the arrival curve the working-day scenario follows).
 * Usage: node apps/simulator/dist/load-workload.js <out.json>
 */
async function main(): Promise<void> {
  const out = process.argv[2] ?? join(REPO, '.duban', 'load', 'workload.json');
  const index = categoryIndex(JSON.parse(readFileSync(CATEGORIES, 'utf8')));
  const rows: BostonRow[] = [];
  for await (const row of createReadStream(WEEK).pipe(createGunzip()).pipe(parse({ columns: true, bom: true }))) rows.push(row as BostonRow);
  const first = Math.min(...rows.map((r) => parseBostonTime(r.OPEN_DT)).filter((t) => !Number.isNaN(t)));
  const hours = new Array<number>(24).fill(0);
  const cases = [];
  for (const row of rows) {
    const made = toSubmission(row, first, index);
    if ('skipped' in made) continue;
    // Hour of day in Boston time (OPEN_DT is local time, read as UTC by parseBostonTime).
    hours[new Date(first + made.offsetMs).getUTCHours()] += 1;
    const point = made.body.location?.point;
    if (!point) continue;
    cases.push({ title: made.body.title, description: made.body.description, category: made.body.category, lat: point.lat, lon: point.lon });
  }
  const total = hours.reduce((a, b) => a + b, 0);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ source: 'boston-week.csv.gz (4–10 May 2015)', cases }));
  // The arrival curve on its own: small enough for every k6 VU to read at start.
  writeFileSync(out.replace(/\.json$/, '.hours.json'), JSON.stringify(hours.map((h) => h / total)));
  process.stdout.write(`${cases.length} cases with a place, ${total} arrivals over 24 hours → ${out}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`load-workload: ${error.message}\n`);
  process.exit(1);
});
