import {
  CaseLedger,
  explainRisk,
  fitLogistic,
  isOpenAt,
  LabelledCase,
  operatingPoint,
  parseRiskModel,
  pickThreshold,
  pickThresholdForPrecision,
  precisionAtRecall,
  RISK_FEATURES,
  riskFeatures,
  riskFlag,
  riskMomentAt,
  riskScore,
  ScoredCase,
  stageFor,
  trainRiskModel,
  withThresholds,
} from './risk';
import shipped from './risk-model.json';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2025, 0, 6); // a Monday

/** A case of `type` in `unit`, opened `at` hours after T0 with `limit` hours, closed after `took` hours (null: still open). */
const kase = (type: string, unit: string, at: number, limit: number | null, took: number | null): LabelledCase => ({
  type,
  unit,
  channel: 'hotline',
  openedAt: T0 + at * H,
  dueAt: limit === null ? null : T0 + (at + limit) * H,
  closedAt: took === null ? null : T0 + (at + took) * H,
  late: limit !== null && (took === null || took > limit),
});

/**
 * 60 days: every 6 hours a pothole (48 h limit) closed in 2 h by the fast unit,
 * and a building inspection (72 h limit) closed after 200 h by the slow unit —
 * and a few on-time exceptions so neither class is pure.
 */
function history(): LabelledCase[] {
  const cases: LabelledCase[] = [];
  for (let i = 0; i < 240; i += 1) {
    cases.push(kase('pothole', 'roads', i * 6, 48, i % 10 === 0 ? 60 : 2));
    cases.push(kase('inspection', 'buildings', i * 6 + 3, 72, i % 10 === 0 ? 10 : 200));
  }
  return cases;
}

describe('the case ledger (what the clocks knew at a moment)', () => {
  const cases = [
    kase('t', 'u', 0, 10, 5), // open [0, 5), met, known at 5
    kase('t', 'u', 1, 2, null), // open since 1, missed, known at 3
    kase('t', 'u', 4, 100, 2), // open [4, 6), met, known at 6
    kase('t', 'u', 20, 10, 30), // open [20, 50), missed, known at 30
    kase('t', 'other', 2, 1, null), // another unit
  ];
  const ledger = new CaseLedger(cases);
  const at = (h: number) => T0 + h * H;

  it('counts only the cases open at that moment, and those of them past their limit', () => {
    expect(ledger.load({ type: 't', unit: 'u' }, at(0))).toEqual({ open: 0, overdue: 0 }); // opened exactly then: not yet
    expect(ledger.load({ type: 't', unit: 'u' }, at(2))).toEqual({ open: 2, overdue: 0 });
    expect(ledger.load({ type: 't', unit: 'u' }, at(4.5))).toEqual({ open: 3, overdue: 1 });
    expect(ledger.load({ type: 't', unit: 'u' }, at(5.5))).toEqual({ open: 2, overdue: 1 }); // the first closed at 5
    expect(ledger.load({ type: 't', unit: 'u' }, at(7))).toEqual({ open: 1, overdue: 1 });
    expect(ledger.load({ type: 't', unit: 'u' }, at(25))).toEqual({ open: 2, overdue: 1 });
    expect(ledger.load({ type: 't', unit: 'u' }, at(40))).toEqual({ open: 2, overdue: 2 });
    expect(ledger.load({ type: 't', unit: 'other' }, at(4))).toEqual({ open: 1, overdue: 1 });
    expect(ledger.load({ type: 't', unit: 'nobody' }, at(4))).toEqual({ open: 0, overdue: 0 });
  });

  it('knows an outcome only once it happened: a miss when the limit passes, a meeting at the closure', () => {
    const known = (h: number) => ledger.outcomes('unit', { type: 't', unit: 'u' }, at(h));
    expect(known(2.9)).toEqual({ late: 0, n: 0 });
    expect(known(3.1)).toEqual({ late: 1, n: 1 });
    expect(known(5.1)).toEqual({ late: 1, n: 2 });
    expect(known(6.1)).toEqual({ late: 1, n: 3 });
    expect(known(29)).toEqual({ late: 1, n: 3 });
    expect(known(31)).toEqual({ late: 2, n: 4 });
    expect(ledger.outcomes('unit', { type: 't', unit: 'u' }, at(31), 2 * H)).toEqual({ late: 1, n: 1 }); // only the last 2 h
  });

  it('gives the same features whatever happens after the moment (no leakage)', () => {
    const past = history().filter((c) => c.openedAt < T0 + 30 * D);
    const now = kase('inspection', 'buildings', 30 * 24, 72, 500);
    const before = riskFeatures(new CaseLedger([...past, now]), now, now.openedAt);
    // The future: new cases, and the open cases' closures, after the moment.
    const future = history().filter((c) => c.openedAt >= T0 + 30 * D);
    const rewritten = past.map((c) => (c.closedAt === null || c.closedAt >= now.openedAt ? { ...c, closedAt: c.closedAt === null ? now.openedAt + D : null } : c));
    const after = riskFeatures(new CaseLedger([...rewritten, now, ...future]), { ...now, closedAt: now.openedAt + H }, now.openedAt);
    expect(after).toEqual(before);
  });

  it('counts the cases waiting before a running one', () => {
    const l = new CaseLedger([kase('t', 'u', 0, 10, 3), kase('t', 'u', 1, 10, 7), kase('t', 'u', 2, 10, null), kase('t', 'u', 5, 10, null)]);
    const c = kase('t', 'u', 4, 10, null);
    expect(riskFeatures(l, c, T0 + 4 * H).values.aheadOpen).toBeCloseTo(Math.log1p(2)); // opened at 1 and 2, the first closed at 3
    expect(riskFeatures(l, c, T0 + 9 * H).values.aheadOpen).toBeCloseTo(Math.log1p(1)); // the one opened at 1 closed at 8
    expect(riskFeatures(l, c, T0 + 9 * H).elapsedShare).toBeCloseTo(0.5);
  });
});

describe('training and scoring', () => {
  const cases = history();
  const ledger = new CaseLedger(cases);
  const model = trainRiskModel(cases.filter((c) => c.openedAt >= T0 + 7 * D), { ledger, logistic: { iterations: 300 } });
  const fresh = [kase('pothole', 'roads', 60 * 24 + 1, 48, null), kase('inspection', 'buildings', 60 * 24 + 2, 72, null)];
  const score = (c: LabelledCase, share = 0) => riskScore(model, riskFeatures(ledger, c, riskMomentAt(c, share), model.featureOptions));

  it('tells a type that runs late from one that does not, with scores in [0, 1]', () => {
    const [pothole, inspection] = fresh.map((c) => score(c));
    expect(inspection).toBeGreaterThan(0.8);
    expect(pothole).toBeLessThan(0.2);
    const scores = cases.slice(100, 140).flatMap((c) => [score(c), score(c, 0.5)]);
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...scores)).toBeLessThanOrEqual(1);
    expect(Math.max(...scores) - Math.min(...scores)).toBeGreaterThan(0.5); // and they do spread
  });

  it('trains a stage per share of the allowed time, on the cases still open then', () => {
    expect(model.stages.map((s) => s.fromShare)).toEqual([0, 0.25, 0.5, 0.75]);
    const used = cases.filter((c) => c.openedAt >= T0 + 7 * D);
    expect(model.stages[0].trainedOn!.cases).toBe(used.length);
    expect(model.stages[2].trainedOn!.cases).toBe(used.filter((c) => isOpenAt(c, riskMomentAt(c, 0.5))).length);
    expect(model.stages[2].trainedOn!.lateShare).toBeGreaterThan(model.stages[0].trainedOn!.lateShare); // still open at half time: more of them late
    expect(stageFor(model, 0.1).fromShare).toBe(0);
    expect(stageFor(model, 0.6).fromShare).toBe(0.5);
    expect(stageFor(model, 3).fromShare).toBe(0.75);
    expect(model.stages[0].features).not.toContain('aheadOpen');
    expect(model.stages[1].features).toContain('aheadOpen');
  });

  it('round-trips through JSON with the same scores, and refuses what is not a model', () => {
    const back = parseRiskModel(JSON.parse(JSON.stringify(model)));
    for (const c of fresh) {
      const f = riskFeatures(ledger, c, c.openedAt, back.featureOptions);
      expect(riskScore(back, f)).toBe(riskScore(model, f));
    }
    expect(() => parseRiskModel({ ...model, version: 2 })).toThrow(/version/);
    expect(() => parseRiskModel({ ...model, stages: [{ ...model.stages[0], weights: [1] }] })).toThrow(/one entry each/);
    expect(() => parseRiskModel({ ...model, stages: [{ ...model.stages[0], features: ['x', ...model.stages[0].features.slice(1)] }] })).toThrow(/unknown feature/);
  });

  it('flags with the threshold picked on validation scores', () => {
    const calibrated = withThresholds(model, [[{ score: 0.5, late: true }, { score: 0.3, late: false }]], 0.9);
    expect(calibrated.stages[0].threshold).toBe(0.5);
    expect(calibrated.stages[1].threshold).toBeUndefined();
    const [pothole, inspection] = fresh.map((c) => riskFeatures(ledger, c, c.openedAt, model.featureOptions));
    expect(riskFlag(calibrated, inspection)).toBe(true);
    expect(riskFlag(calibrated, pothole)).toBe(false);
    expect(riskFlag(model, inspection)).toBe(false); // no threshold, no flag
  });

  it('says which features make a score', () => {
    const why = explainRisk(model, riskFeatures(ledger, fresh[1], fresh[1].openedAt, model.featureOptions));
    expect(why[0].feature).toBe('bias');
    expect(why).toHaveLength(model.stages[0].features.length + 1);
    const sum = why.reduce((z, w) => z + w.contribution, 0);
    expect(1 / (1 + Math.exp(-sum))).toBeCloseTo(score(fresh[1]), 10);
  });

  it('ships a default model (Boston 311, npm run bench:early-warning -- --write-model) that reads and scores', () => {
    const m = parseRiskModel(shipped);
    expect(m.stages.map((s) => s.fromShare)).toEqual([0, 0.25, 0.5, 0.75]);
    for (const s of m.stages) expect(s.threshold).toBeGreaterThan(0);
    const p = riskScore(m, riskFeatures(ledger, fresh[1], fresh[1].openedAt, m.featureOptions));
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
  });

  it('refuses a case without a limit', () => {
    expect(() => riskFeatures(ledger, kase('pothole', 'roads', 1, null, null), T0)).toThrow(/no risk/);
  });

  it('describes every feature it knows', () => {
    const f = riskFeatures(ledger, fresh[0], fresh[0].openedAt);
    expect(Object.keys(f.values).sort()).toEqual([...RISK_FEATURES].sort());
    for (const v of Object.values(f.values)) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('logistic regression', () => {
  it('learns the sign and rough size of a known effect', () => {
    // P(late) = sigmoid(2x − 1) on a grid of x, with the expected share of positives at each x.
    const rows: number[][] = [];
    const labels: boolean[] = [];
    for (let i = 0; i <= 40; i += 1) {
      const x = -2 + i * 0.1;
      const p = 1 / (1 + Math.exp(-(2 * x - 1)));
      for (let j = 0; j < 100; j += 1) {
        rows.push([x, j % 2]); // the second column carries nothing
        labels.push(j < Math.round(100 * p));
      }
    }
    const fit = fitLogistic(rows, labels, { l2: 0, iterations: 200, learningRate: 1 });
    const slope = fit.weights[0] / fit.scale[0];
    expect(slope).toBeGreaterThan(1.8);
    expect(slope).toBeLessThan(2.2);
    expect(Math.abs(fit.weights[1])).toBeLessThan(0.1);
  });
});

describe('thresholds and curves', () => {
  // Scores 1.0 … 0.1; late at 1.0, 0.9, 0.7, 0.4 and 0.2.
  const scored: ScoredCase[] = [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1].map((score) => ({ score, late: [1, 0.9, 0.7, 0.4, 0.2].includes(score) }));

  it('picks the most precise threshold that reaches the asked recall', () => {
    expect(pickThreshold(scored, 0.4)).toEqual({ threshold: 0.9, precision: 1, recall: 0.4, flagged: 2 });
    expect(pickThreshold(scored, 0.5)).toEqual({ threshold: 0.7, precision: 0.75, recall: 0.6, flagged: 4 });
    expect(pickThreshold(scored, 1).recall).toBe(1);
    expect(() => pickThreshold(scored, 0)).toThrow();
  });

  it('picks the threshold with the most recall at an asked precision', () => {
    expect(pickThresholdForPrecision(scored, 0.75)).toEqual({ threshold: 0.7, precision: 0.75, recall: 0.6, flagged: 4 });
    expect(pickThresholdForPrecision(scored, 0.5)).toEqual({ threshold: 0.1, precision: 0.5, recall: 1, flagged: 10 });
    expect(pickThresholdForPrecision(scored.filter((s) => !s.late), 0.5)).toBeUndefined();
  });

  it('flags tied scores together', () => {
    const tied: ScoredCase[] = [
      { score: 0.9, late: true },
      { score: 0.5, late: true },
      { score: 0.5, late: false },
      { score: 0.5, late: false },
      { score: 0.1, late: true },
    ];
    expect(pickThreshold(tied, 0.5)).toEqual({ threshold: 0.5, precision: 0.5, recall: 2 / 3, flagged: 4 });
    expect(operatingPoint(tied, 0.95)).toEqual({ threshold: 0.95, precision: 1, recall: 0, flagged: 0 });
  });

  it('gives the best precision at each recall', () => {
    expect(precisionAtRecall(scored, [0.2, 0.4, 0.6, 0.8, 1])).toEqual([
      { recall: 0.2, precision: 1 },
      { recall: 0.4, precision: 1 },
      { recall: 0.6, precision: 0.75 },
      { recall: 0.8, precision: 4 / 7 },
      { recall: 1, precision: 5 / 9 },
    ]);
  });
});
