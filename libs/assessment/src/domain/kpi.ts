/**
 * Unit KPIs (考核指标) from counters kept per unit and day, an efficiency index and a ranking.
 * Pure: the counters come from the roll-up (`unit_days`), summed over the period asked for.
 */

/** What is counted per unit and day, in the transaction of each event. */
export interface UnitCounters {
  /** Cases assigned to the unit (once per case and unit). */
  assigned: number;
  /** First responses (签收) and how many came within the first-stage limit. */
  responses: number;
  responsesOnTime: number;
  /** Cases due a result (the first result came, or the limit ran out without one) and how many had it within the limit. */
  completions: number;
  completionsOnTime: number;
  /** Resolutions (a reviewer accepted the result). */
  resolved: number;
  ratings: number;
  scoreSum: number;
  defaulted: number;
  rebounds: number;
  /** First resolutions rated without a rebound. */
  firstTime: number;
  /** First ratings (round 1), the denominator of first-time resolution. */
  firstRatings: number;
  /** Cooperation requests the unit answered, and the minutes they took in all. */
  assistsReplied: number;
  assistReplyMinutes: number;
  /** Minutes past the limit, over the late first responses and results (the time lost). */
  lateMinutes: number;
}

export const COUNTERS: readonly (keyof UnitCounters)[] = [
  'assigned',
  'responses',
  'responsesOnTime',
  'completions',
  'completionsOnTime',
  'resolved',
  'ratings',
  'scoreSum',
  'defaulted',
  'rebounds',
  'firstTime',
  'firstRatings',
  'assistsReplied',
  'assistReplyMinutes',
  'lateMinutes',
];

export const zeroCounters = (): UnitCounters => Object.fromEntries(COUNTERS.map((c) => [c, 0])) as unknown as UnitCounters;

/** Several units' (or days') counters added up. */
export function addCounters(all: readonly UnitCounters[]): UnitCounters {
  const sum = zeroCounters();
  for (const c of all) for (const name of COUNTERS) sum[name] += Number(c[name]);
  return sum;
}

/** The KPIs, each 0–100 (null: nothing to measure in the period), plus the mean reply time of cooperation requests. */
export interface Kpis {
  /** 响应及时率: first responses within the limit ÷ first responses. */
  responseTimeliness: number | null;
  /** 按期办结率: first results within the limit ÷ cases due a result (a limit that ran out without a result counts as late). */
  onTimeCompletion: number | null;
  /** 闭环率: resolutions ÷ assignments. */
  closedLoopRate: number | null;
  /** 一次办结率: first resolutions rated without a rebound ÷ first ratings. */
  firstTimeResolution: number | null;
  /** 满意度: the mean rating score (0–100). */
  satisfaction: number | null;
  /** 重办率: rebounds ÷ resolutions (lower is better). */
  reboundRate: number | null;
  /** Mean hours a cooperation request waited for the unit's reply. */
  assistReplyHours: number | null;
}

const pct = (n: number, of: number) => (of > 0 ? Math.round((1000 * n) / of) / 10 : null);

export function kpis(c: UnitCounters): Kpis {
  return {
    responseTimeliness: pct(c.responsesOnTime, c.responses),
    onTimeCompletion: pct(c.completionsOnTime, c.completions),
    closedLoopRate: c.assigned > 0 ? Math.min(100, pct(c.resolved, c.assigned) as number) : null,
    firstTimeResolution: pct(c.firstTime, c.firstRatings),
    satisfaction: c.ratings > 0 ? Math.round((10 * c.scoreSum) / c.ratings) / 10 : null,
    reboundRate: pct(c.rebounds, c.resolved),
    assistReplyHours: c.assistsReplied > 0 ? Math.round((10 * c.assistReplyMinutes) / c.assistsReplied / 60) / 10 : null,
  };
}

/** How much each KPI weighs in the efficiency index (any non-negative numbers; they are normalised). */
export type IndexWeights = Record<Exclude<keyof Kpis, 'assistReplyHours'>, number>;

/**
 * Default weights (sum 1): the result on time and the reporter's satisfaction weigh most, as the
 * seeds' assessment schemes do (时效 and 满意度 first), then response, closed loop, first-time
 * resolution and rebounds.
 */
export const DEFAULT_WEIGHTS: IndexWeights = {
  responseTimeliness: 0.15,
  onTimeCompletion: 0.25,
  closedLoopRate: 0.15,
  firstTimeResolution: 0.1,
  satisfaction: 0.25,
  reboundRate: 0.1,
};

/**
 * The efficiency index (0–100): the weighted mean of the KPIs the period has (the rebound rate
 * enters as 100 − rate); null when it has none.
 */
export function efficiencyIndex(k: Kpis, weights: IndexWeights = DEFAULT_WEIGHTS): number | null {
  let sum = 0;
  let weight = 0;
  for (const [name, w] of Object.entries(weights) as [keyof IndexWeights, number][]) {
    const v = k[name];
    if (v === null || w <= 0) continue;
    sum += w * (name === 'reboundRate' ? 100 - v : v);
    weight += w;
  }
  return weight > 0 ? Math.round((10 * sum) / weight) / 10 : null;
}

export interface Ranked {
  unitId: string;
  index: number | null;
  rank: number | null;
  /** (index − mean) ÷ mean over the ranked units. */
  deviation: number | null;
  /** |deviation| above the threshold (default 15 %). */
  flagged: boolean;
}

/** Units by index, best first (units without an index last, unranked); those deviating more than `threshold` from the mean flagged. */
export function rankUnits(units: readonly { unitId: string; index: number | null }[], threshold = 0.15): Ranked[] {
  const scored = units.filter((u) => u.index !== null) as { unitId: string; index: number }[];
  const mean = scored.length ? scored.reduce((s, u) => s + u.index, 0) / scored.length : 0;
  const sorted = [...scored].sort((a, b) => b.index - a.index || a.unitId.localeCompare(b.unitId));
  const ranked: Ranked[] = sorted.map((u, i) => {
    const rank = i > 0 && sorted[i - 1].index === u.index ? NaN : i + 1;
    const deviation = mean > 0 ? Math.round((1000 * (u.index - mean)) / mean) / 1000 : 0;
    return { unitId: u.unitId, index: u.index, rank, deviation, flagged: Math.abs(deviation) > threshold };
  });
  // Ties share the better rank.
  ranked.forEach((r, i) => (r.rank = Number.isNaN(r.rank) ? ranked[i - 1].rank : r.rank));
  const unscored = units.filter((u) => u.index === null).map((u) => ({ unitId: u.unitId, index: null, rank: null, deviation: null, flagged: false }));
  return [...ranked, ...unscored.sort((a, b) => a.unitId.localeCompare(b.unitId))];
}

export type Period = 'day' | 'week' | 'month' | 'quarter' | 'year';

/** The local dates [from, to] of the period containing `day` (YYYY-MM-DD); weeks start on Monday. */
export function periodRange(period: Period, day: string): { from: string; to: string } {
  const [y, m, d] = day.split('-').map(Number);
  const iso = (t: Date) => t.toISOString().slice(0, 10);
  const at = new Date(Date.UTC(y, m - 1, d));
  switch (period) {
    case 'day':
      return { from: day, to: day };
    case 'week': {
      const monday = new Date(at.getTime() - ((at.getUTCDay() + 6) % 7) * 86_400_000);
      return { from: iso(monday), to: iso(new Date(monday.getTime() + 6 * 86_400_000)) };
    }
    case 'month':
      return { from: iso(new Date(Date.UTC(y, m - 1, 1))), to: iso(new Date(Date.UTC(y, m, 0))) };
    case 'quarter': {
      const q = Math.floor((m - 1) / 3);
      return { from: iso(new Date(Date.UTC(y, q * 3, 1))), to: iso(new Date(Date.UTC(y, q * 3 + 3, 0))) };
    }
    case 'year':
      return { from: `${y}-01-01`, to: `${y}-12-31` };
  }
}

/** Whether `text` is a real calendar date written YYYY-MM-DD. */
export function isDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const t = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === text;
}

/**
 * The on-time rate as a city's 311 system reports it at a moment (Boston's OnTime_Status): cases
 * still open within their limit count as on time, beside the results within the limit, over every
 * case due a result or still open. Null when there is none.
 */
export function onTimeRateNow(c: Pick<UnitCounters, 'completions' | 'completionsOnTime'>, openWithinLimit: number): number | null {
  const of = c.completions + openWithinLimit;
  return of > 0 ? Math.round((1000 * (c.completionsOnTime + openWithinLimit)) / of) / 10 : null;
}
