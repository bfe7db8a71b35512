/** The early-warning model itself: plain JSON, scored and explained (see index.ts). */
import { RISK_FEATURES, RiskFeatureName, RiskFeatureOptions, RiskFeatures } from './features';

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

export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

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
