/**
 * Checked on real data (issue 6): replays Boston 311 Jan–Sep 2015 with the city's own targets
 * through the assessment service's own event handlers and KPI roll-up, and compares the on-time
 * rate per department Duban reports with the city's `OnTime_Status`.
 *
 *   npm run bench:ontime            (needs ../shared beside the repository and a PostgreSQL:
 *                                    DATABASE_URL's server, default the local stack's)
 *
 * Each case becomes the events the platform would have seen, in time order: assigned to its
 * department at OPEN_DT, a result-stage clock due at TARGET_DT, its result at CLOSED_DT, and
 * escalation's red light at TARGET_DT when no result had come by then (up to the export).
 * Duban's figure is `onTimeCompletion` of GET /api/v1/assessment/units/{unit}/kpis — the same
 * code (UnitDays.sum + kpis) over 2015–2018 (late outcomes of 2015 cases fall later).
 */
import { AnyEnvelope, CaseAssigned, newEvent, ResultSubmitted, SlaClockStarted, SlaLightChanged } from '@duban/contracts';
import { withAssessmentDatabase } from './scratch-db';
import { applyOne } from '@duban/messaging';
import { eventHandlersOf } from '@duban/service-defaults';
import { assessmentService, kpis, onTimeRateNow, UnitDays } from '@duban/assessment';
import { parseBostonTime } from '@duban/intake';
import { parse } from 'csv-parse';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';

const ROOT = resolve(__dirname, '../../..');
const DATA = join(ROOT, '..', 'shared', 'data', 'boston-311-2015', 'cases-2015-01-to-09.csv.gz');

interface Row {
  id: string;
  department: string;
  openedAt: number;
  dueAt: number;
  closedAt: number | null;
  status: string;
}

async function readRows(): Promise<Row[]> {
  const rows: Row[] = [];
  const parser = createReadStream(DATA).pipe(createGunzip()).pipe(parse({ columns: true }));
  for await (const r of parser as AsyncIterable<Record<string, string>>) {
    const time = (v: string) => (v && v.trim() ? parseBostonTime(v) : Number.NaN);
    const openedAt = time(r.OPEN_DT);
    const dueAt = time(r.TARGET_DT);
    if (!Number.isFinite(openedAt) || !Number.isFinite(dueAt)) continue; // no limit: nothing to be on time for
    const closed = time(r.CLOSED_DT);
    rows.push({ id: randomUUID(), department: r.Department.trim() || 'none', openedAt, dueAt, closedAt: Number.isFinite(closed) ? closed : null, status: r.OnTime_Status.trim() });
  }
  return rows;
}

/** The events each case would have produced, up to the export. */
function eventsOf(c: Row, exportAt: number): { at: number; event: AnyEnvelope }[] {
  const unitId = c.department;
  const base = { caseId: c.id, unitId };
  const out: { at: number; event: AnyEnvelope }[] = [];
  const clockId = randomUUID();
  out.push({
    at: c.openedAt,
    event: newEvent(CaseAssigned, { ...base, occurredAt: new Date(c.openedAt), data: { assignmentId: randomUUID(), unitId, unitName: unitId, assignee: null, category: 'boston', tier: 'general', rule: { id: 'boston', version: 1 }, reason: 'replay' } }),
  });
  out.push({
    at: c.openedAt,
    event: newEvent(SlaClockStarted, { ...base, occurredAt: new Date(c.openedAt), data: { clockId, stage: 'complete', tier: 'general', startedAt: new Date(c.openedAt).toISOString(), dueAt: new Date(c.dueAt).toISOString(), policy: 'boston.target' } }),
  });
  if (c.closedAt !== null) {
    out.push({ at: c.closedAt, event: newEvent(ResultSubmitted, { ...base, occurredAt: new Date(c.closedAt), data: { resultId: randomUUID(), unitId, by: 'boston', summary: 'closed', evidence: [] } }) });
  }
  if ((c.closedAt === null || c.closedAt > c.dueAt) && c.dueAt <= exportAt) {
    const due = new Date(c.dueAt).toISOString();
    out.push({ at: c.dueAt, event: newEvent(SlaLightChanged, { ...base, occurredAt: new Date(c.dueAt), data: { clockId, stage: 'complete', light: 'red', rung: 'supervision-office', dueAt: due, scheduledAt: due } }) });
  }
  return out;
}

async function main(): Promise<void> {
  if (!existsSync(DATA)) {
    console.error(`bench:ontime needs the Boston 311 data at ${DATA} (../shared/data/boston-311-2015 beside the repository); it is not there, nothing measured.`);
    process.exit(2);
  }
  const started = Date.now();
  const rows = await readRows();
  const exportAt = Math.max(...rows.map((r) => Math.max(r.openedAt, r.closedAt ?? 0)));
  const stream = rows.flatMap((r) => eventsOf(r, exportAt)).sort((a, b) => a.at - b.at);
  console.log(`${rows.length} cases with a target; ${stream.length} events up to the export (${new Date(exportAt).toISOString().slice(0, 16)} Boston time)`);

  await withAssessmentDatabase('bench_ontime', async (db) => {
    const config = { RATING_WINDOW_HOURS: 72, RATING_DEFAULT_LEVEL: 'satisfied', RATING_LINK_SECRET: 'x'.repeat(32), KPI_TIME_ZONE: 'UTC', RATING_SWEEP_MS: 60_000, KPI_WEIGHTS: '', REVISIT_DAYS: '30,90' };
    const { handlers, close: closeHandlers } = await eventHandlersOf(assessmentService, { dataSource: db, topic: 'duban.assessment.events', logger: pino({ level: 'silent' }) } as never, config);
    const batch = 2000;
    for (let i = 0; i < stream.length; i += batch) {
      await db.transaction(async (tx) => {
        for (const { event } of stream.slice(i, i + batch)) await applyOne(handlers[event.type], event, tx);
      });
      if (i % 50_000 === 0) process.stdout.write(`  ${i.toLocaleString('en')} events\r`);
    }
    await closeHandlers();
    const replayed = (Date.now() - started) / 1000;

    const days = new UnitDays('UTC');
    const duban = await days.sum(db, '2015-01-01', '2018-12-31');
    // As of the export, the cases still open within their limit (the city counts them on time).
    const open = await days.openWithinLimit(db, new Date(exportAt));
    const depts = [...new Set(rows.map((r) => r.department))].sort();
    console.log(`\nreplayed in ${replayed.toFixed(0)} s\n`);
    console.log('| department | cases with a target | Boston on time (OnTime_Status, every case) | **Duban on-time rate at the export** (open within the limit counted on time) | difference (pp) | cases with an outcome by the export | Boston on time, those | **Duban on-time completion** | difference (pp) |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    let worst = 0;
    let worstAll = 0;
    const total = { n: 0, known: 0, onTimeAll: 0, onTimeKnown: 0, dubanOn: 0, dubanDue: 0, open: 0 };
    for (const d of depts) {
      const cases = rows.filter((r) => r.department === d);
      const withStatus = cases.filter((r) => r.status === 'ONTIME' || r.status === 'OVERDUE');
      const known = withStatus.filter((r) => r.closedAt !== null || r.dueAt <= exportAt);
      const rate = (xs: Row[]) => (xs.length ? (100 * xs.filter((r) => r.status === 'ONTIME').length) / xs.length : NaN);
      const c = duban.get(d);
      const ours = c ? kpis(c).onTimeCompletion : null;
      const diff = ours === null ? NaN : ours - rate(known);
      const now = c ? onTimeRateNow(c, open.get(d) ?? 0) : null;
      const diffAll = now === null ? NaN : now - rate(withStatus);
      worst = Math.max(worst, Math.abs(diff));
      worstAll = Math.max(worstAll, Math.abs(diffAll));
      total.open += open.get(d) ?? 0;
      total.n += withStatus.length;
      total.known += known.length;
      total.onTimeAll += withStatus.filter((r) => r.status === 'ONTIME').length;
      total.onTimeKnown += known.filter((r) => r.status === 'ONTIME').length;
      total.dubanOn += c?.completionsOnTime ?? 0;
      total.dubanDue += c?.completions ?? 0;
      const pct1 = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} %`);
      console.log(`| ${d} | ${withStatus.length} | ${rate(withStatus).toFixed(1)} % | **${pct1(now)}** | ${Number.isNaN(diffAll) ? '—' : diffAll.toFixed(1)} | ${known.length} | ${rate(known).toFixed(1)} % | **${pct1(ours)}** | ${Number.isNaN(diff) ? '—' : diff.toFixed(1)} |`);
    }
    const p = (a: number, b: number) => ((100 * a) / b).toFixed(1);
    const allNow = p(total.dubanOn + total.open, total.dubanDue + total.open);
    console.log(`| all | ${total.n} | ${p(total.onTimeAll, total.n)} % | **${allNow} %** | ${(Number(allNow) - Number(p(total.onTimeAll, total.n))).toFixed(1)} | ${total.known} | ${p(total.onTimeKnown, total.known)} % | **${p(total.dubanOn, total.dubanDue)} %** | ${(Number(p(total.dubanOn, total.dubanDue)) - Number(p(total.onTimeKnown, total.known))).toFixed(1)} |`);
    console.log(`\nlargest difference per department: ${worstAll.toFixed(2)} pp against every case (Duban's rate at the export), ${worst.toFixed(2)} pp on the cases with an outcome (target: within 1 pp); ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
