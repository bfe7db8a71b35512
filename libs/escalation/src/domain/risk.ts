/**
 * Early warning (issue 5): the risk that an open case misses its time limit.
 *
 * Pure, no I/O. Three pieces:
 * - `CaseLedger`: what the platform knows at any moment from its clocks — which
 *   cases are open in a unit (and how many of them are already past their
 *   limit), which limits were met or missed so far. Every query takes the moment
 *   `at` and only reads what was known before it (a case counts as open at `at`
 *   if it was opened before `at` and not closed before `at`; a limit counts as
 *   missed once it passed with the case still open, as met once the case closed
 *   in time), so features computed for the past never see the future.
 * - `riskFeatures`: a handful of numbers describing a case at a moment: the time
 *   it is allowed, when it came in, the smoothed late rates of its category, unit
 *   and category × unit (all time, last 30 and 7 days), the unit's load and
 *   backlog now, and — for a case already running — how many cases wait before it.
 * - `RiskModel`: a logistic regression per stage of a case's life (at intake, and
 *   still open after 25 / 50 / 75 % of its allowed time), trained by plain
 *   gradient descent on standardised features; plain JSON, every weight readable
 *   (`explainRisk` lists each feature's contribution to a score).
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One case as the risk model sees it. Times are epoch milliseconds. */
export interface RiskCase {
  /** Its category (type). */
  type: string;
  /** The unit (queue) handling it. */
  unit: string;
  /** Intake channel (hotline, app, …). */
  channel?: string;
  /** Its title when titles are templated (a finer category); optional. */
  title?: string;
  openedAt: number;
  /** The limit; null: no limit (nothing to miss — such cases only count as load). */
  dueAt: number | null;
  /** When it closed; null: still open. Only compared with the moment asked about. */
  closedAt: number | null;
}

/** A past case with its outcome, for training. */
export interface LabelledCase extends RiskCase {
  /** It missed its limit (Boston: `OnTime_Status` = OVERDUE). */
  late: boolean;
}

/** The groupings the ledger indexes cases by. */
export type LedgerKey = 'type' | 'unit' | 'typeUnit' | 'typeUnitTitle' | 'typeChannel';

const SEP = '\u0000';
const normTitle = (t: string | undefined) => (t ?? '').trim().toLowerCase().replace(/\s+/g, ' ');

/** The ledger keys of a case (category, unit, category × unit, … × title, category × channel). */
function keysOf(c: Pick<RiskCase, 'type' | 'unit' | 'channel' | 'title'>): Record<LedgerKey, string | null> {
  const title = normTitle(c.title);
  return {
    type: c.type,
    unit: c.unit,
    typeUnit: `${c.type}${SEP}${c.unit}`,
    typeUnitTitle: title ? `${c.type}${SEP}${c.unit}${SEP}${title}` : null,
    typeChannel: c.channel ? `${c.type}${SEP}${c.channel}` : null,
  };
}

/** Number of elements of a sorted array below x. */
function below(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts of what the cases of one key (a category, a unit, …) looked like at a moment. */
export class LedgerCounts {
  readonly opened: Float64Array;
  readonly closed: Float64Array;
  readonly due: Float64Array;
  readonly dueOrClosed: Float64Array;
  /** Outcomes in the order they became known: when, and the running count of missed ones. */
  readonly knownAt: Float64Array;
  readonly lateBefore: Int32Array;
  /** Cases by opening time (for windows of cases opened recently). */
  readonly byOpen: { opened: number; closed: number; due: number }[];
  /** Closures in time order with the case's opening time. */
  readonly byClose: { opened: number; closed: number }[];

  constructor(cases: readonly RiskCase[]) {
    const rows = cases.map((c) => {
      const due = c.dueAt === null ? Infinity : Math.max(c.dueAt, c.openedAt);
      const closed = c.closedAt === null ? Infinity : Math.max(c.closedAt, c.openedAt);
      return { opened: c.openedAt, closed, due };
    });
    const sorted = (xs: number[]) => Float64Array.from(xs).sort();
    this.opened = sorted(rows.map((r) => r.opened));
    this.closed = sorted(rows.filter((r) => r.closed !== Infinity).map((r) => r.closed));
    this.due = sorted(rows.filter((r) => r.due !== Infinity).map((r) => r.due));
    this.dueOrClosed = sorted(rows.filter((r) => r.due !== Infinity && r.closed !== Infinity).map((r) => Math.max(r.due, r.closed)));
    // Met when closed by the limit (known at the closure), missed when the limit passes first (known then).
    const outcomes = rows
      .filter((r) => r.due !== Infinity)
      .map((r) => (r.closed <= r.due ? { at: r.closed, late: 0 } : { at: r.due, late: 1 }))
      .sort((a, b) => a.at - b.at);
    this.knownAt = Float64Array.from(outcomes.map((o) => o.at));
    this.lateBefore = new Int32Array(outcomes.length + 1);
    outcomes.forEach((o, i) => (this.lateBefore[i + 1] = this.lateBefore[i] + o.late));
    this.byOpen = [...rows].sort((a, b) => a.opened - b.opened);
    this.byClose = rows.filter((r) => r.closed !== Infinity).sort((a, b) => a.closed - b.closed);
  }

  /** Cases open at `at`: opened before it, not closed before it. */
  open(at: number): number {
    return below(this.opened, at) - below(this.closed, at);
  }

  /** Cases open at `at` whose limit passed before it. */
  overdue(at: number): number {
    return below(this.due, at) - below(this.dueOrClosed, at);
  }

  /** Outcomes (met or missed limits) that became known in [from, to). */
  outcomes(from: number, to: number): { late: number; n: number } {
    const a = below(this.knownAt, from);
    const b = below(this.knownAt, to);
    return { late: this.lateBefore[b] - this.lateBefore[a], n: b - a };
  }

  /** Closures in [from, to). */
  closures(from: number, to: number): number {
    return below(this.closed, to) - below(this.closed, from);
  }

  /** Of the cases opened in [from, to): how many, how many of them are past their limit and still open at `at`. */
  cohort(from: number, to: number, at: number): { n: number; overdue: number } {
    const a = below(this.opened, from);
    const b = below(this.opened, to);
    let overdue = 0;
    for (let i = a; i < b; i += 1) {
      const r = this.byOpen[i];
      if (r.due < at && r.closed >= at) overdue += 1;
    }
    return { n: b - a, overdue };
  }

  /** Of the cases opened in [from, to) whose limit passed before `at` (so their outcome is known): how many, how many missed it. */
  matured(from: number, to: number, at: number): { n: number; late: number } {
    const a = below(this.opened, from);
    const b = below(this.opened, to);
    let n = 0;
    let late = 0;
    for (let i = a; i < b; i += 1) {
      const r = this.byOpen[i];
      if (r.due >= at) continue;
      n += 1;
      if (r.closed > r.due) late += 1;
    }
    return { n, late };
  }

  /** Of the cases opened in [from, to): how many, how many closed before `at`. */
  closedOf(from: number, to: number, at: number): { n: number; closed: number } {
    const a = below(this.opened, from);
    const b = below(this.opened, to);
    let closed = 0;
    for (let i = a; i < b; i += 1) if (this.byOpen[i].closed < at) closed += 1;
    return { n: b - a, closed };
  }

  /** Age (ms) at `at` of the oldest case still open then, opened within `lookback` before it; 0 if none. */
  oldestOpenAge(at: number, lookback: number): number {
    const a = below(this.opened, at - lookback);
    const b = below(this.opened, at);
    for (let i = a; i < b; i += 1) if (this.byOpen[i].closed >= at) return at - this.byOpen[i].opened;
    return 0;
  }

  /** Cases opened before `openedAt` and still open at `at` (≥ openedAt): the queue ahead of a case. */
  ahead(openedAt: number, at: number): number {
    let closedBefore = below(this.closed, openedAt);
    for (let i = closedBefore; i < this.byClose.length && this.byClose[i].closed < at; i += 1) if (this.byClose[i].opened < openedAt) closedBefore += 1;
    return below(this.opened, openedAt) - closedBefore;
  }
}

const EMPTY = new LedgerCounts([]);

/**
 * What the platform knows from its clocks, indexed by category, unit, category ×
 * unit, category × unit × title and category × channel. Holding future cases is
 * harmless: every query is at a moment and reads only what was known before it.
 */
export class CaseLedger {
  private readonly index = new Map<string, LedgerCounts>();

  constructor(cases: Iterable<RiskCase>) {
    const groups = new Map<string, RiskCase[]>();
    for (const c of cases) {
      for (const [kind, key] of Object.entries(keysOf(c))) {
        if (key === null) continue;
        const k = `${kind}:${key}`;
        const g = groups.get(k);
        if (g) g.push(c);
        else groups.set(k, [c]);
      }
    }
    for (const [k, g] of groups) this.index.set(k, new LedgerCounts(g));
  }

  private of(kind: LedgerKey, c: Pick<RiskCase, 'type' | 'unit' | 'channel' | 'title'>): LedgerCounts {
    const key = keysOf(c)[kind];
    return (key !== null && this.index.get(`${kind}:${key}`)) || EMPTY;
  }

  /** Cases of the unit (or of the case's category in that unit) open at `at`, and how many of them are past their limit. */
  load(c: Pick<RiskCase, 'type' | 'unit'>, at: number, scope: 'unit' | 'typeUnit' = 'unit'): { open: number; overdue: number } {
    const k = this.of(scope, c);
    return { open: k.open(at), overdue: k.overdue(at) };
  }

  /** Limits met or missed that became known before `at` (within `windowMs` before it if given). */
  outcomes(kind: LedgerKey, c: Pick<RiskCase, 'type' | 'unit' | 'channel' | 'title'>, at: number, windowMs = Infinity): { late: number; n: number } {
    return this.of(kind, c).outcomes(at - windowMs, at);
  }

  /** The counts of the case's category, unit, … (an empty index when the key has no case). */
  key(kind: LedgerKey, c: Pick<RiskCase, 'type' | 'unit' | 'channel' | 'title'>): LedgerCounts {
    return this.of(kind, c);
  }
}

/** The features, by name; a stage of the model uses a subset. */
export const RISK_FEATURES = [
  'allowedHours', // log(1 + hours allowed)
  'openedWeekend',
  'openedOffHours', // before 07:00 or from 19:00
  'dueWeekend',
  'rateType', // smoothed late rates (logit) of every outcome known so far …
  'rateUnit',
  'rateTypeUnit',
  'rateTypeUnitTitle',
  'rateTypeChannel',
  'recentType30', // … of those known in the last 30 / 7 days
  'recentUnit30',
  'recentTypeUnit30',
  'recentUnit7',
  'recentTypeUnit7',
  'unitOpen', // log(1 + cases open in the unit now)
  'unitOverdueShare', // logit share of those already past their limit
  'typeUnitOpen',
  'typeUnitOverdueShare',
  'cohort3Overdue', // of the category × unit's cases opened in the 3 (14) days before, the share past their limit and open now (logit)
  'cohort14Overdue',
  'unitCohort14Overdue',
  'maturedTypeUnit', // late share (logit, shrunk to the all-time rate) of the category × unit's cases opened in the 14 days before the last case whose limit has surely passed
  'maturedUnit',
  'cohort7Closed', // share of the category × unit's cases opened in the last 7 days already closed (logit)
  'oldestOpenVsAllowed', // log of (age of the unit's oldest open case) / (time allowed)
  'typeUnitOldestVsAllowed',
  'backlogVsAllowed', // log of (unit's open cases / its closures per hour, last 7 days) / (time allowed)
  'aheadOpen', // log(1 + cases of the unit opened before this one and still open now)
  'aheadOpenShare', // … as a share of those opened before it in the last 30 days (logit)
] as const;
export type RiskFeatureName = (typeof RISK_FEATURES)[number];

/** A case described at a moment: how far into its allowed time, and the named feature values. */
export interface RiskFeatures {
  /** Share of the allowed time elapsed (0 at intake). */
  elapsedShare: number;
  values: Record<RiskFeatureName, number>;
}

export interface RiskFeatureOptions {
  /** Late share the rates are shrunk towards when a key has few outcomes. */
  prior: number;
  /** Pseudo-count of that shrinkage (category × unit shrinks to the category, … × title to category × unit, …). */
  strength: number;
  /** Local time = epoch + this offset, for the weekday and hour features (Boston data read as UTC: 0; China: 480). */
  utcOffsetMinutes: number;
  /** Only use outcomes known before this moment (history frozen; load stays live). Default: all known before `at`. */
  historyUntil?: number;
}

export const DEFAULT_FEATURE_OPTIONS: RiskFeatureOptions = { prior: 0.3, strength: 20, utcOffsetMinutes: 0 };

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const logit = (p: number) => {
  const q = clamp(p, 1e-3, 1 - 1e-3);
  return Math.log(q / (1 - q));
};
/** (late + k·parent) / (n + k): a rate shrunk towards its parent's. */
const shrink = (o: { late: number; n: number }, parent: number, k: number) => (o.late + k * parent) / (o.n + k);
/** log(1 + max(0, x)). */
const log1p = (x: number) => Math.log1p(Math.max(0, x));

/**
 * The features of a case at moment `at` (its intake: `at` = openedAt; later: a
 * moment it is still open). Reads the ledger only before `at`.
 */
export function riskFeatures(ledger: CaseLedger, c: RiskCase, at: number, options: RiskFeatureOptions = DEFAULT_FEATURE_OPTIONS): RiskFeatures {
  if (c.dueAt === null) throw new Error('a case without a limit has no risk of missing it');
  const allowed = Math.max(c.dueAt - c.openedAt, 0);
  const allowedH = allowed / HOUR;
  const elapsedShare = allowed > 0 ? clamp((at - c.openedAt) / allowed, 0, 10) : at > c.openedAt ? 1 : 0;
  const k = options.strength;
  const hist = Math.min(at, options.historyUntil ?? Infinity);
  const out = (kind: LedgerKey, window = Infinity) => ledger.key(kind, c).outcomes(hist - window, hist);
  // All-time rates, each shrunk towards its parent.
  const rType = shrink(out('type'), options.prior, k);
  const rUnit = shrink(out('unit'), options.prior, k);
  const rTypeUnit = shrink(out('typeUnit'), rType, k);
  const rTitle = shrink(out('typeUnitTitle'), rTypeUnit, k);
  const rChannel = shrink(out('typeChannel'), rType, k);
  // Recent rates, shrunk towards the all-time ones.
  const recent = (kind: LedgerKey, days: number, parent: number) => logit(shrink(out(kind, days * DAY), parent, k));

  const unit = ledger.key('unit', c);
  const typeUnit = ledger.key('typeUnit', c);
  const uOpen = unit.open(at);
  const uOver = unit.overdue(at);
  const tuOpen = typeUnit.open(at);
  const tuOver = typeUnit.overdue(at);
  const share = (n: number, of: number) => logit((n + 0.5) / (of + 2));
  const c3 = typeUnit.cohort(c.openedAt - 3 * DAY, c.openedAt, at);
  const c14 = typeUnit.cohort(c.openedAt - 14 * DAY, c.openedAt, at);
  const u14 = unit.cohort(c.openedAt - 14 * DAY, c.openedAt, at);
  // Cases old enough that their limit has passed (opened before at − allowed): their outcomes are all known.
  const matureEnd = Math.min(c.openedAt, at - allowed);
  const mTU = typeUnit.matured(matureEnd - 14 * DAY, matureEnd, hist);
  const mU = unit.matured(matureEnd - 14 * DAY, matureEnd, hist);
  const c7 = typeUnit.closedOf(c.openedAt - 7 * DAY, c.openedAt, at);
  const ratioLog = (ms: number) => Math.log((ms / HOUR + 1) / (allowedH + 1));
  const closedPerHour = unit.closures(at - 7 * DAY, at) / (7 * 24);
  const aheadOpen = unit.ahead(c.openedAt, at);
  const openedBefore = below(unit.opened, c.openedAt) - below(unit.opened, c.openedAt - 30 * DAY);

  const local = (t: number) => new Date(t + options.utcOffsetMinutes * 60_000);
  const opened = local(c.openedAt);
  const due = local(c.dueAt);
  const weekend = (d: Date) => d.getUTCDay() === 0 || d.getUTCDay() === 6;
  const values: Record<RiskFeatureName, number> = {
    allowedHours: Math.log1p(allowedH),
    openedWeekend: weekend(opened) ? 1 : 0,
    openedOffHours: opened.getUTCHours() < 7 || opened.getUTCHours() >= 19 ? 1 : 0,
    dueWeekend: weekend(due) ? 1 : 0,
    rateType: logit(rType),
    rateUnit: logit(rUnit),
    rateTypeUnit: logit(rTypeUnit),
    rateTypeUnitTitle: logit(rTitle),
    rateTypeChannel: logit(rChannel),
    recentType30: recent('type', 30, rType),
    recentUnit30: recent('unit', 30, rUnit),
    recentTypeUnit30: recent('typeUnit', 30, rTypeUnit),
    recentUnit7: recent('unit', 7, rUnit),
    recentTypeUnit7: recent('typeUnit', 7, rTypeUnit),
    unitOpen: log1p(uOpen),
    unitOverdueShare: share(uOver, uOpen),
    typeUnitOpen: log1p(tuOpen),
    typeUnitOverdueShare: share(tuOver, tuOpen),
    cohort3Overdue: share(c3.overdue, c3.n),
    cohort14Overdue: share(c14.overdue, c14.n),
    unitCohort14Overdue: share(u14.overdue, u14.n),
    maturedTypeUnit: logit(shrink(mTU, rTypeUnit, k)),
    maturedUnit: logit(shrink(mU, rUnit, k)),
    cohort7Closed: share(c7.closed, c7.n),
    oldestOpenVsAllowed: ratioLog(unit.oldestOpenAge(at, 180 * DAY)),
    typeUnitOldestVsAllowed: ratioLog(typeUnit.oldestOpenAge(at, 180 * DAY)),
    backlogVsAllowed: Math.log((uOpen + 1) / (closedPerHour + 0.05) / (allowedH + 1)),
    aheadOpen: log1p(aheadOpen),
    aheadOpenShare: share(aheadOpen, openedBefore),
  };
  return { elapsedShare, values };
}

/** One stage of the model: a logistic regression on standardised features, for cases at least `fromShare` into their allowed time. */
export interface RiskStage {
  fromShare: number;
  features: RiskFeatureName[];
  /** Standardisation: (x − mean) / scale. */
  mean: number[];
  scale: number[];
  weights: number[];
  bias: number;
  /** Flag a case when its score is at least this (picked on a validation split); absent: not calibrated. */
  threshold?: number;
  /** What it was trained on (for the record). */
  trainedOn?: { cases: number; lateShare: number };
}

/** The early-warning model: plain JSON. */
export interface RiskModel {
  version: 1;
  /** How features are computed (the product must compute them the same way). */
  featureOptions: Omit<RiskFeatureOptions, 'historyUntil'>;
  /** Stages by increasing `fromShare`; the first starts at 0 (intake). */
  stages: RiskStage[];
  /** Free-form provenance (data, dates, validation results). */
  notes?: Record<string, string | number>;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** The stage used for a case `elapsedShare` into its allowed time: the last one starting at or before it. */
export function stageFor(model: RiskModel, elapsedShare: number): RiskStage {
  let stage = model.stages[0];
  for (const s of model.stages) if (s.fromShare <= elapsedShare + 1e-9) stage = s;
  return stage;
}

/** The risk (0–1) that the case misses its limit. */
export function riskScore(model: RiskModel, features: RiskFeatures): number {
  const s = stageFor(model, features.elapsedShare);
  let z = s.bias;
  s.features.forEach((f, i) => (z += (s.weights[i] * (features.values[f] - s.mean[i])) / s.scale[i]));
  return sigmoid(z);
}

/** Whether the score reaches the stage's threshold (false when the model has none). */
export function riskFlag(model: RiskModel, features: RiskFeatures): boolean {
  const s = stageFor(model, features.elapsedShare);
  return s.threshold !== undefined && riskScore(model, features) >= s.threshold;
}

/** Each feature's contribution to the log-odds of a score, largest first (why a case is flagged). */
export function explainRisk(model: RiskModel, features: RiskFeatures): { feature: RiskFeatureName | 'bias'; contribution: number }[] {
  const s = stageFor(model, features.elapsedShare);
  const parts = s.features.map((f, i) => ({ feature: f, contribution: (s.weights[i] * (features.values[f] - s.mean[i])) / s.scale[i] }));
  return [{ feature: 'bias' as const, contribution: s.bias }, ...parts.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))];
}

export interface LogisticOptions {
  /** L2 penalty on the (standardised) weights. */
  l2: number;
  /** Gradient-descent steps and step size. */
  iterations: number;
  learningRate: number;
}

export const DEFAULT_LOGISTIC: LogisticOptions = { l2: 1e-3, iterations: 600, learningRate: 0.5 };

/** Logistic regression by full-batch gradient descent on standardised columns. Deterministic. */
export function fitLogistic(rows: readonly number[][], labels: readonly boolean[], options: LogisticOptions = DEFAULT_LOGISTIC): Pick<RiskStage, 'mean' | 'scale' | 'weights' | 'bias'> {
  const n = rows.length;
  if (n === 0 || n !== labels.length) throw new Error(`need as many labels as rows (${n} rows, ${labels.length} labels), at least one`);
  const d = rows[0].length;
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  for (const r of rows) r.forEach((x, j) => (mean[j] += x / n));
  for (const r of rows) r.forEach((x, j) => (scale[j] += (x - mean[j]) ** 2 / n));
  for (let j = 0; j < d; j += 1) scale[j] = Math.sqrt(scale[j]) || 1;
  const X = rows.map((r) => Float64Array.from(r, (x, j) => (x - mean[j]) / scale[j]));
  const y = labels.map((l) => (l ? 1 : 0));
  const w = new Float64Array(d);
  const positives = y.reduce((a: number, b) => a + b, 0);
  let b = logit(positives / n);
  const grad = new Float64Array(d);
  for (let it = 0; it < options.iterations; it += 1) {
    grad.fill(0);
    let gb = 0;
    for (let i = 0; i < n; i += 1) {
      const x = X[i];
      let z = b;
      for (let j = 0; j < d; j += 1) z += w[j] * x[j];
      const e = sigmoid(z) - y[i];
      gb += e;
      for (let j = 0; j < d; j += 1) grad[j] += e * x[j];
    }
    for (let j = 0; j < d; j += 1) w[j] -= options.learningRate * (grad[j] / n + options.l2 * w[j]);
    b -= options.learningRate * (gb / n);
  }
  return { mean, scale, weights: [...w], bias: b };
}

export interface TrainOptions {
  /** What the platform knows (past cases; later ones do no harm — queries read only before each moment). */
  ledger: CaseLedger;
  /** Stages: shares of the allowed time at which a model of its own takes over (default 0, 0.25, 0.5, 0.75). */
  stages?: number[];
  /** Features per stage (default: all but the queue-ahead ones at intake, where they repeat the unit's load). */
  features?: (fromShare: number) => RiskFeatureName[];
  /** Feature computation; `prior` defaults to the training cases' late share. */
  featureOptions?: Partial<RiskFeatureOptions>;
  logistic?: Partial<LogisticOptions>;
  notes?: RiskModel['notes'];
}

export const INTAKE_FEATURES: RiskFeatureName[] = RISK_FEATURES.filter((f) => f !== 'aheadOpen' && f !== 'aheadOpenShare');

/** The moment a case is `share` into its allowed time. */
export const riskMomentAt = (c: RiskCase, share: number) => (c.dueAt === null ? c.openedAt : c.openedAt + share * Math.max(0, c.dueAt - c.openedAt));

/** Whether a case is still open at a moment (nothing known about it being closed before then). */
export const isOpenAt = (c: RiskCase, at: number) => c.closedAt === null || c.closedAt >= at;

/**
 * Trains one logistic regression per stage: at intake on every case with a limit,
 * at a later stage on the cases still open at that share of their allowed time,
 * each described at that moment.
 */
export function trainRiskModel(cases: readonly LabelledCase[], options: TrainOptions): RiskModel {
  const withLimit = cases.filter((c) => c.dueAt !== null);
  if (withLimit.length === 0) throw new Error('no training case has a limit');
  const prior = withLimit.filter((c) => c.late).length / withLimit.length;
  const featureOptions: RiskModel['featureOptions'] = {
    prior: options.featureOptions?.prior ?? prior,
    strength: options.featureOptions?.strength ?? DEFAULT_FEATURE_OPTIONS.strength,
    utcOffsetMinutes: options.featureOptions?.utcOffsetMinutes ?? DEFAULT_FEATURE_OPTIONS.utcOffsetMinutes,
  };
  const logistic = { ...DEFAULT_LOGISTIC, ...options.logistic };
  const pick = options.features ?? ((s: number) => (s === 0 ? INTAKE_FEATURES : [...RISK_FEATURES]));
  const stages = (options.stages ?? [0, 0.25, 0.5, 0.75]).map((fromShare): RiskStage => {
    const features = pick(fromShare);
    const running = withLimit.filter((c) => fromShare === 0 || isOpenAt(c, riskMomentAt(c, fromShare)));
    if (running.length === 0) throw new Error(`no training case is still open at ${fromShare} of its allowed time`);
    const rows = running.map((c) => {
      const f = riskFeatures(options.ledger, c, riskMomentAt(c, fromShare), featureOptions);
      return features.map((name) => f.values[name]);
    });
    const labels = running.map((c) => c.late);
    const fit = fitLogistic(rows, labels, logistic);
    return { fromShare, features, ...fit, trainedOn: { cases: running.length, lateShare: labels.filter(Boolean).length / labels.length } };
  });
  if (stages[0].fromShare !== 0) throw new Error('the first stage must start at intake (0)');
  return { version: 1, featureOptions, stages, ...(options.notes ? { notes: options.notes } : {}) };
}

export interface ScoredCase {
  score: number;
  late: boolean;
}

export interface OperatingPoint {
  threshold: number;
  precision: number;
  recall: number;
  flagged: number;
}

/** Precision and recall when every case scoring at least `threshold` is flagged. */
export function operatingPoint(scored: readonly ScoredCase[], threshold: number): OperatingPoint {
  let tp = 0;
  let flagged = 0;
  let late = 0;
  for (const s of scored) {
    if (s.late) late += 1;
    if (s.score >= threshold) {
      flagged += 1;
      if (s.late) tp += 1;
    }
  }
  return { threshold, precision: flagged === 0 ? 1 : tp / flagged, recall: late === 0 ? 0 : tp / late, flagged };
}

/**
 * The highest threshold that flags at least `recall` of the late cases (so the
 * most precise one reaching it); ties in score are flagged together.
 */
export function pickThreshold(scored: readonly ScoredCase[], recall: number): OperatingPoint {
  if (!(recall > 0 && recall <= 1)) throw new Error(`recall must be in (0, 1], got ${recall}`);
  const late = scored.filter((s) => s.late).length;
  if (late === 0) throw new Error('no late case to recall');
  const sorted = [...scored].sort((a, b) => b.score - a.score);
  let tp = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    if (sorted[i].late) tp += 1;
    const last = i + 1 === sorted.length || sorted[i + 1].score < sorted[i].score;
    if (last && tp / late >= recall) return operatingPoint(scored, sorted[i].score);
  }
  return operatingPoint(scored, sorted[sorted.length - 1].score);
}

/** The lowest threshold whose flags are still at least `precision` precise (the most recall at that precision); undefined if none is. */
export function pickThresholdForPrecision(scored: readonly ScoredCase[], precision: number): OperatingPoint | undefined {
  const sorted = [...scored].sort((a, b) => b.score - a.score);
  let tp = 0;
  let best: number | undefined;
  for (let i = 0; i < sorted.length; i += 1) {
    if (sorted[i].late) tp += 1;
    const last = i + 1 === sorted.length || sorted[i + 1].score < sorted[i].score;
    if (last && tp > 0 && tp / (i + 1) >= precision) best = sorted[i].score;
  }
  return best === undefined ? undefined : operatingPoint(scored, best);
}

/** The best precision reachable at each recall (the precision–recall curve, interpolated: max precision at recall ≥ r). */
export function precisionAtRecall(scored: readonly ScoredCase[], recalls: readonly number[]): { recall: number; precision: number }[] {
  const late = scored.filter((s) => s.late).length;
  const sorted = [...scored].sort((a, b) => b.score - a.score);
  const points: { recall: number; precision: number }[] = [];
  let tp = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    if (sorted[i].late) tp += 1;
    if (i + 1 === sorted.length || sorted[i + 1].score < sorted[i].score) points.push({ recall: late === 0 ? 0 : tp / late, precision: tp / (i + 1) });
  }
  // Points come in order of rising recall; the best precision from each point on.
  const best = points.map((p) => p.precision);
  for (let i = best.length - 2; i >= 0; i -= 1) best[i] = Math.max(best[i], best[i + 1]);
  return recalls.map((r) => {
    const i = points.findIndex((p) => p.recall >= r);
    return { recall: r, precision: i < 0 ? 0 : best[i] };
  });
}

/** Sets each stage's threshold from validation scores: `byStage[i]` are the scores of stage i's cases. */
export function withThresholds(model: RiskModel, byStage: readonly (readonly ScoredCase[])[], recall: number): RiskModel {
  return { ...model, stages: model.stages.map((s, i) => (byStage[i]?.length ? { ...s, threshold: pickThreshold(byStage[i], recall).threshold } : s)) };
}

/** Reads a model from parsed JSON, checking its shape (a model file written by `JSON.stringify`). */
export function parseRiskModel(json: unknown): RiskModel {
  const m = json as RiskModel;
  const fail = (why: string): never => {
    throw new Error(`not a risk model: ${why}`);
  };
  if (!m || typeof m !== 'object' || m.version !== 1) fail('version must be 1');
  if (!m.featureOptions || typeof m.featureOptions.prior !== 'number' || typeof m.featureOptions.strength !== 'number') fail('featureOptions');
  if (!Array.isArray(m.stages) || m.stages.length === 0 || m.stages[0].fromShare !== 0) fail('stages must start at 0');
  for (const s of m.stages) {
    const d = s.features?.length;
    if (!d || s.mean?.length !== d || s.scale?.length !== d || s.weights?.length !== d) fail(`stage ${s.fromShare}: features, mean, scale and weights must have one entry each`);
    for (const f of s.features) if (!(RISK_FEATURES as readonly string[]).includes(f)) fail(`unknown feature ${f}`);
    if (![...s.mean, ...s.scale, ...s.weights, s.bias].every(Number.isFinite)) fail(`stage ${s.fromShare}: non-finite number`);
  }
  return m;
}
