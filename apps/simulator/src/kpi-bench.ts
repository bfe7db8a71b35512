/**
 * Measured (issue 6): a unit-month KPI query with 10,000,000 archived cases in the database.
 *
 *   npm run bench:kpi [-- --cases 10000000 --units 300 --queries 1000]
 *
 * Needs a PostgreSQL (DATABASE_URL's server, default the local stack's); creates and drops a
 * database of its own. It fills the assessment schema as years of operation would leave it:
 * `cases` archived cases over five years (2021–2025) across `units` units — a rating, a closed
 * case, a resolved rating request and the three `counted` marks each, and the KPI roll-up
 * `unit_days` with every case's counters on its day — then runs the query behind
 * GET /api/v1/assessment/units/{unit}/kpis?period=month (UnitDays.sum + kpis + efficiencyIndex)
 * for random units and months, and prints p50/p95/p99 and the plan.
 */
import { withAssessmentDatabase } from './scratch-db';
import { efficiencyIndex, kpis, UnitDays } from '@duban/assessment';


function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main(): Promise<void> {
  const cases = arg('cases', 10_000_000);
  const units = arg('units', 300);
  const queries = arg('queries', 1000);
  const started = Date.now();
  await withAssessmentDatabase('bench_kpi', async (db) => {
    const chunk = 1_000_000;
    // Five years of cases: day d of 2021-01-01 + (g mod 1826), unit g mod units.
    for (let from = 1; from <= cases; from += chunk) {
      const to = Math.min(cases, from + chunk - 1);
      await db.query(
        `WITH c AS (SELECT g, gen_random_uuid() AS id, 'unit-' || (g % $3) AS unit_id,
                           timestamptz '2021-01-01 02:00+00' + (g % 1826) * interval '1 day' + (g % 600) * interval '1 minute' AS at,
                           (ARRAY['very-satisfied','satisfied','neutral','dissatisfied','very-dissatisfied'])[1 + g % 5] AS level
                      FROM generate_series($1::int, $2::int) g),
              r AS (INSERT INTO ratings (id, case_id, round, unit_id, level, score, via, rated_at)
                    SELECT gen_random_uuid(), id, 1, unit_id, level, 100 - 25 * (g % 5), CASE WHEN g % 3 = 0 THEN 'default' ELSE 'api' END, at + interval '2 days' FROM c RETURNING case_id),
              q AS (INSERT INTO rating_requests (case_id, round, unit_id, resolved_at, due_at, rated_at)
                    SELECT id, 1, unit_id, at + interval '1 day', at + interval '4 days', at + interval '2 days' FROM c RETURNING case_id),
              k AS (INSERT INTO counted (case_id, unit_id, what) SELECT id, unit_id, w FROM c CROSS JOIN (VALUES ('assigned'), ('first'), ('result')) v (w) RETURNING case_id)
         INSERT INTO closed_cases (case_id, unit_id, round, closed_at, reason) SELECT id, unit_id, 1, at + interval '90 days', 'bench' FROM c`,
        [from, to, units],
      );
      process.stdout.write(`  ${to.toLocaleString('en')} cases\r`);
    }
    // The roll-up those cases left: per unit and day, the sums of their counters.
    await db.query(
      `INSERT INTO unit_days (unit_id, day, assigned, responses, responses_on_time, completions, completions_on_time, resolved, ratings, score_sum, defaulted, rebounds, first_time, first_ratings)
       SELECT unit_id, (rated_at - interval '2 days')::date, count(*), count(*), count(*) FILTER (WHERE score >= 50), count(*), count(*) FILTER (WHERE score >= 25),
              count(*), count(*), sum(score), count(*) FILTER (WHERE via = 'default'), count(*) FILTER (WHERE score <= 25), count(*) FILTER (WHERE score > 25), count(*)
         FROM ratings GROUP BY 1, 2`,
    );
    await db.query('VACUUM ANALYZE');
    const sizes = await db.query(
      `SELECT relname AS table, n_live_tup::bigint AS rows, pg_size_pretty(pg_total_relation_size(relid)) AS size FROM pg_stat_user_tables
        WHERE relname IN ('ratings', 'closed_cases', 'rating_requests', 'counted', 'unit_days') ORDER BY relname`,
    );
    const filled = (Date.now() - started) / 1000;
    console.log(`\nfilled in ${filled.toFixed(0)} s`);
    console.log(sizes.map((s: { table: string; rows: string; size: string }) => `  ${s.table}: ${Number(s.rows).toLocaleString('en')} rows, ${s.size}`).join('\n'));

    const days = new UnitDays('Asia/Shanghai');
    const pick = (i: number) => {
      const unit = `unit-${(i * 7919) % units}`;
      const month = new Date(Date.UTC(2021, (i * 31) % 60, 1));
      const to = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 0));
      return { unit, from: month.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
    };
    for (let i = 0; i < 50; i++) await days.sum(db, pick(i).from, pick(i).to, pick(i).unit); // warm-up
    const times: number[] = [];
    let checksum = 0;
    let empty = 0;
    for (let i = 0; i < queries; i++) {
      const q = pick(i + 1000);
      const t = process.hrtime.bigint();
      const c = (await days.sum(db, q.from, q.to, q.unit)).get(q.unit);
      const index = c ? efficiencyIndex(kpis(c)) : null;
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      checksum += c?.ratings ?? 0;
      if (index === null) empty += 1;
    }
    const q = pick(7);
    const plan: { 'QUERY PLAN': string }[] = await db.query(
      `EXPLAIN (ANALYZE, BUFFERS) SELECT unit_id, sum(ratings) FROM unit_days WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR unit_id = $3) GROUP BY unit_id`,
      [q.from, q.to, q.unit],
    );
    console.log(`\n${queries} unit-month KPI queries (random unit and month; ${checksum.toLocaleString('en')} ratings read in all; ${empty} unit-months without figures):`);
    console.log(`  p50 ${pct(times, 50).toFixed(2)} ms, p95 ${pct(times, 95).toFixed(2)} ms, p99 ${pct(times, 99).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms (target p95 ≤ 100 ms)`);
    console.log(`\nplan of the roll-up read:\n${plan.map((p) => `  ${p['QUERY PLAN']}`).join('\n')}`);
    console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
