/** Training the early-warning model and choosing its thresholds (see index.ts). */
import { CaseLedger, LabelledCase, RiskCase } from './ledger';
import { DEFAULT_FEATURE_OPTIONS, logit, RISK_FEATURES, riskFeatures, RiskFeatureName, RiskFeatureOptions } from './features';
import { RiskModel, RiskStage, sigmoid } from './model';

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

