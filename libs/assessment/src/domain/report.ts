/**
 * The quarterly efficiency report (季度效能报告): the units ranked, where time was lost (by
 * category and by stage), and recommendations computed from those numbers. Pure: built from the
 * roll-ups, rendered as HTML with inline SVG charts, or as CSV per table.
 */
import { csvText } from '@duban/service-defaults';
import { efficiencyIndex, IndexWeights, kpis, Kpis, Ranked, rankUnits, UnitCounters } from './kpi';

export interface CategoryLoss {
  category: string;
  kind: 'first' | 'result';
  due: number;
  late: number;
  lateMinutes: number;
}

export interface UnitRow extends Ranked {
  kpis: Kpis;
  assigned: number;
  resolved: number;
  lostHours: number;
}

export interface QuarterReport {
  organisation: string;
  quarter: string;
  from: string;
  to: string;
  totals: { assigned: number; resolved: number; ratings: number; onTimeCompletion: number | null; satisfaction: number | null; lostHours: number };
  units: UnitRow[];
  categories: (CategoryLoss & { lateRate: number; lostHours: number })[];
  stages: { kind: 'first' | 'result'; due: number; late: number; lostHours: number }[];
  recommendations: string[];
}

const hours = (minutes: number) => Math.round(minutes / 6) / 10;
const pct = (n: number, of: number) => (of > 0 ? Math.round((1000 * n) / of) / 10 : 0);
const STAGE_NAME = { first: 'first response (签收)', result: 'result (办结)' } as const;

export function buildReport(
  input: { organisation: string; quarter: string; from: string; to: string; units: Map<string, UnitCounters>; categories: CategoryLoss[]; weights: IndexWeights },
): QuarterReport {
  const rows = [...input.units].map(([unitId, c]) => ({ unitId, c, k: kpis(c) }));
  const ranked = rankUnits(rows.map((r) => ({ unitId: r.unitId, index: efficiencyIndex(r.k, input.weights) })));
  const byUnit = new Map(rows.map((r) => [r.unitId, r]));
  const units: UnitRow[] = ranked.map((r) => {
    const u = byUnit.get(r.unitId)!;
    return { ...r, kpis: u.k, assigned: u.c.assigned, resolved: u.c.resolved, lostHours: hours(u.c.lateMinutes) };
  });
  const sum = (f: (c: UnitCounters) => number) => rows.reduce((s, r) => s + f(r.c), 0);
  const all = rows.reduce<UnitCounters | undefined>((acc, r) => {
    if (!acc) return { ...r.c };
    for (const k of Object.keys(acc) as (keyof UnitCounters)[]) acc[k] += r.c[k];
    return acc;
  }, undefined);
  const totalK = all ? kpis(all) : undefined;
  const categories = input.categories
    .filter((c) => c.due > 0)
    .map((c) => ({ ...c, lateRate: pct(c.late, c.due), lostHours: hours(c.lateMinutes) }))
    .sort((a, b) => b.lateMinutes - a.lateMinutes || b.late - a.late || a.category.localeCompare(b.category));
  const stages = (['first', 'result'] as const).map((kind) => {
    const of = input.categories.filter((c) => c.kind === kind);
    return { kind, due: of.reduce((s, c) => s + c.due, 0), late: of.reduce((s, c) => s + c.late, 0), lostHours: hours(of.reduce((s, c) => s + c.lateMinutes, 0)) };
  });
  const report: QuarterReport = {
    organisation: input.organisation,
    quarter: input.quarter,
    from: input.from,
    to: input.to,
    totals: {
      assigned: sum((c) => c.assigned),
      resolved: sum((c) => c.resolved),
      ratings: sum((c) => c.ratings),
      onTimeCompletion: totalK?.onTimeCompletion ?? null,
      satisfaction: totalK?.satisfaction ?? null,
      lostHours: hours(sum((c) => c.lateMinutes)),
    },
    units,
    categories,
    stages,
    recommendations: [],
  };
  report.recommendations = recommend(report);
  return report;
}

/** At least three recommendations when the quarter has the data: the category, the stage and the unit that lose the most. */
export function recommend(r: QuarterReport): string[] {
  const out: string[] = [];
  const lost = r.categories.reduce((s, c) => s + c.lostHours, 0);
  const worstCategory = r.categories[0];
  if (worstCategory && worstCategory.lostHours > 0) {
    const meanRate = pct(
      r.categories.reduce((s, c) => s + c.late, 0),
      r.categories.reduce((s, c) => s + c.due, 0),
    );
    out.push(
      `Category ${worstCategory.category} lost the most time: ${worstCategory.lostHours} h past its ${STAGE_NAME[worstCategory.kind]} limits, ` +
        `${pct(worstCategory.lostHours, lost)} % of all time lost this quarter; ${worstCategory.lateRate} % of its cases were late against ${meanRate} % overall. ` +
        `Review its default unit, its time limit and its routing.`,
    );
  }
  const [first, result] = r.stages;
  if (first.due + result.due > 0 && first.lostHours + result.lostHours > 0) {
    const [worse, better] = result.lostHours >= first.lostHours ? [result, first] : [first, result];
    const factor = better.lostHours > 0 ? `${Math.round((10 * worse.lostHours) / better.lostHours) / 10} times the ${better.lostHours} h` : 'all of the time';
    out.push(
      `The ${STAGE_NAME[worse.kind]} stage loses the most time: ${worse.lostHours} h (${pct(worse.late, worse.due)} % late), ${factor} lost at the ${STAGE_NAME[better.kind]} stage. ` +
        `Warn earlier in that stage (ESCALATION_YELLOW_AT / ESCALATION_ORANGE_AT) or review its limits (/api/v1/sla-policies).`,
    );
  }
  const scored = r.units.filter((u) => u.index !== null);
  const worstUnit = scored[scored.length - 1];
  if (worstUnit && scored.length > 1) {
    const meanOnTime = mean(scored.map((u) => u.kpis.onTimeCompletion));
    out.push(
      `Unit ${worstUnit.unitId} ranks last with an efficiency index of ${worstUnit.index} (${Math.round(Math.abs((worstUnit.deviation ?? 0) * 1000)) / 10} % below the mean); ` +
        `its on-time completion is ${worstUnit.kpis.onTimeCompletion ?? '—'} % against ${meanOnTime ?? '—'} % on average and it lost ${worstUnit.lostHours} h. ` +
        `${worstUnit.flagged ? 'It deviates more than 15 %: start a rectification review.' : 'Follow it up in the next weekly dispatch.'}`,
    );
  }
  const rated = r.units.filter((u) => u.kpis.satisfaction !== null);
  const leastSatisfied = [...rated].sort((a, b) => (a.kpis.satisfaction ?? 0) - (b.kpis.satisfaction ?? 0))[0];
  if (leastSatisfied && rated.length > 1) {
    out.push(
      `Reporters are least satisfied with ${leastSatisfied.unitId}: ${leastSatisfied.kpis.satisfaction}/100 against ${mean(rated.map((u) => u.kpis.satisfaction))}/100 on average, ` +
        `with a rebound rate of ${leastSatisfied.kpis.reboundRate ?? 0} %. Check its results before they are accepted (result review) and its revisits.`,
    );
  }
  return out;
}

function mean(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? Math.round((10 * v.reduce((s, x) => s + x, 0)) / v.length) / 10 : null;
}

const esc = (s: unknown) => String(s ?? '—').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** A horizontal bar chart as inline SVG (no script, no external resource). */
export function barChart(title: string, bars: { label: string; value: number }[], unit: string): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const row = 22;
  const height = bars.length * row + 30;
  const items = bars
    .map((b, i) => {
      const w = Math.round((b.value / max) * 380);
      const y = 24 + i * row;
      return `<text x="0" y="${y + 14}" font-size="12">${esc(b.label)}</text><rect x="170" y="${y + 2}" width="${w}" height="16" fill="#2f6fba"/><text x="${176 + w}" y="${y + 14}" font-size="12">${b.value} ${esc(unit)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="640" height="${height}"><text x="0" y="14" font-size="13" font-weight="bold">${esc(title)}</text>${items}</svg>`;
}

export function renderHtml(r: QuarterReport): string {
  const k = (v: number | null, suffix = ' %') => (v === null ? '—' : `${v}${suffix}`);
  const unitRows = r.units
    .map(
      (u) =>
        `<tr${u.flagged ? ' class="flagged"' : ''}><td>${u.rank ?? '—'}</td><td>${esc(u.unitId)}</td><td>${u.index ?? '—'}</td><td>${u.deviation === null ? '—' : `${Math.round(u.deviation * 1000) / 10} %`}</td>` +
        `<td>${k(u.kpis.responseTimeliness)}</td><td>${k(u.kpis.onTimeCompletion)}</td><td>${k(u.kpis.closedLoopRate)}</td><td>${k(u.kpis.firstTimeResolution)}</td>` +
        `<td>${k(u.kpis.satisfaction, '')}</td><td>${k(u.kpis.reboundRate)}</td><td>${u.assigned}</td><td>${u.lostHours}</td></tr>`,
    )
    .join('\n');
  const categoryRows = r.categories
    .slice(0, 20)
    .map((c) => `<tr><td>${esc(c.category)}</td><td>${STAGE_NAME[c.kind]}</td><td>${c.due}</td><td>${c.late}</td><td>${c.lateRate} %</td><td>${c.lostHours}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.organisation)} — efficiency report ${esc(r.quarter)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:nth-child(2),th:nth-child(2){text-align:left}tr.flagged{background:#fdecea}@media print{body{margin:1cm}}</style>
</head><body>
<h1>${esc(r.organisation)} — quarterly efficiency report ${esc(r.quarter)} (季度效能报告)</h1>
<p>${esc(r.from)} to ${esc(r.to)}: ${r.totals.assigned} cases assigned, ${r.totals.resolved} resolved, ${r.totals.ratings} ratings; on-time completion ${k(r.totals.onTimeCompletion)}, satisfaction ${k(r.totals.satisfaction, '/100')}; ${r.totals.lostHours} h lost past time limits.</p>
<h2>Recommendations</h2>
<ol>${r.recommendations.map((x) => `<li>${esc(x)}</li>`).join('')}</ol>
<h2>Units by efficiency index</h2>
${barChart('Efficiency index (0–100)', r.units.filter((u) => u.index !== null).map((u) => ({ label: u.unitId, value: u.index as number })), '')}
<table><thead><tr><th>rank</th><th>unit</th><th>index</th><th>from mean</th><th>response on time</th><th>on-time completion</th><th>closed loop</th><th>first-time</th><th>satisfaction</th><th>rebounds</th><th>assigned</th><th>hours lost</th></tr></thead>
<tbody>
${unitRows}
</tbody></table>
<p>Shaded: more than 15 % from the mean index.</p>
<h2>Where time was lost</h2>
${barChart('Hours lost past the limit, by category', r.categories.slice(0, 10).map((c) => ({ label: `${c.category} (${c.kind})`, value: c.lostHours })), 'h')}
<table><thead><tr><th>category</th><th>stage</th><th>due</th><th>late</th><th>late rate</th><th>hours lost</th></tr></thead>
<tbody>
${categoryRows}
</tbody></table>
<p>By stage: ${r.stages.map((s) => `${STAGE_NAME[s.kind]} ${s.late} of ${s.due} late, ${s.lostHours} h lost`).join('; ')}.</p>
</body></html>
`;
}

/** RFC 4180 CSV of one of the report's tables. */
export function toCsv(r: QuarterReport, table: 'units' | 'categories'): string {
  const lines =
    table === 'units'
      ? [
          ['rank', 'unit', 'index', 'deviation', 'response_timeliness', 'on_time_completion', 'closed_loop_rate', 'first_time_resolution', 'satisfaction', 'rebound_rate', 'assigned', 'resolved', 'hours_lost', 'flagged'],
          ...r.units.map((u) => [u.rank, u.unitId, u.index, u.deviation, u.kpis.responseTimeliness, u.kpis.onTimeCompletion, u.kpis.closedLoopRate, u.kpis.firstTimeResolution, u.kpis.satisfaction, u.kpis.reboundRate, u.assigned, u.resolved, u.lostHours, u.flagged]),
        ]
      : [['category', 'stage', 'due', 'late', 'late_rate', 'hours_lost'], ...r.categories.map((c) => [c.category, c.kind, c.due, c.late, c.lateRate, c.lostHours])];
  return csvText(lines);
}
