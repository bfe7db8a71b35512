/** The features of the early-warning model: a case described at a moment, from the ledger (see index.ts). */
import { below, CaseLedger, DAY, HOUR, LedgerKey, RiskCase } from './ledger';

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
export const logit = (p: number) => {
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

