import { addCounters, DEFAULT_WEIGHTS, efficiencyIndex, kpis, onTimeRateNow, periodRange, rankUnits, zeroCounters } from './kpi';

describe('unit KPIs', () => {
  it('computes each rate from its own counters, null where there is nothing to measure', () => {
    const c = { ...zeroCounters(), assigned: 10, responses: 8, responsesOnTime: 6, completions: 5, completionsOnTime: 4, resolved: 4, ratings: 4, scoreSum: 250, rebounds: 1, firstTime: 2, firstRatings: 3, assistsReplied: 2, assistReplyMinutes: 300 };
    expect(kpis(c)).toEqual({
      responseTimeliness: 75,
      onTimeCompletion: 80,
      closedLoopRate: 40,
      firstTimeResolution: 66.7,
      satisfaction: 62.5,
      reboundRate: 25,
      assistReplyHours: 2.5,
    });
    expect(kpis(zeroCounters())).toEqual({ responseTimeliness: null, onTimeCompletion: null, closedLoopRate: null, firstTimeResolution: null, satisfaction: null, reboundRate: null, assistReplyHours: null });
  });

  it("adds units' counters into the organisation's, whose rates are not the mean of the units' rates", () => {
    const big = { ...zeroCounters(), completions: 90, completionsOnTime: 90 };
    const small = { ...zeroCounters(), completions: 10, completionsOnTime: 0 };
    const sum = addCounters([big, small]);
    expect([sum.completions, sum.completionsOnTime]).toEqual([100, 90]);
    expect(kpis(sum).onTimeCompletion).toBe(90);
    expect(addCounters([])).toEqual(zeroCounters());
  });

  it('weights the KPIs into an index, counting rebounds against it and leaving out what is missing', () => {
    const all = { responseTimeliness: 100, onTimeCompletion: 100, closedLoopRate: 100, firstTimeResolution: 100, satisfaction: 100, reboundRate: 0, assistReplyHours: 1 };
    expect(efficiencyIndex(all)).toBe(100);
    expect(efficiencyIndex({ ...all, reboundRate: 100 })).toBe(90);
    // Only satisfaction measured: the index is satisfaction, whatever its weight.
    expect(efficiencyIndex({ responseTimeliness: null, onTimeCompletion: null, closedLoopRate: null, firstTimeResolution: null, satisfaction: 70, reboundRate: null, assistReplyHours: null })).toBe(70);
    expect(efficiencyIndex({ ...all, satisfaction: 0 }, { ...DEFAULT_WEIGHTS, satisfaction: 0 })).toBe(100);
    expect(Object.values(DEFAULT_WEIGHTS).reduce((a, b) => a + b, 0)).toBeCloseTo(1);
  });

  it('ranks units best first, ties sharing a rank, and flags those more than 15 % from the mean', () => {
    const ranked = rankUnits([
      { unitId: 'water', index: 80 },
      { unitId: 'parks', index: 60 },
      { unitId: 'housing', index: 80 },
      { unitId: 'transport', index: null },
      { unitId: 'roads', index: 100 },
    ]);
    expect(ranked.map((r) => [r.unitId, r.rank, r.flagged])).toEqual([
      ['roads', 1, true],
      ['housing', 2, false],
      ['water', 2, false],
      ['parks', 4, true],
      ['transport', null, false],
    ]);
    expect(ranked[0].deviation).toBeCloseTo(0.25);
  });

  it('finds the days of each period, weeks from Monday', () => {
    expect(periodRange('week', '2026-12-03')).toEqual({ from: '2026-11-30', to: '2026-12-06' });
    expect(periodRange('month', '2024-02-10')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(periodRange('quarter', '2026-11-23')).toEqual({ from: '2026-10-01', to: '2026-12-31' });
    expect(periodRange('year', '2026-05-05')).toEqual({ from: '2026-01-01', to: '2026-12-31' });
    expect(periodRange('day', '2026-05-05')).toEqual({ from: '2026-05-05', to: '2026-05-05' });
  });
});

describe('the on-time rate at a moment', () => {
  it('counts open cases within their limit as on time, as a city 311 system reports it', () => {
    expect(onTimeRateNow({ completions: 8, completionsOnTime: 6 }, 2)).toBe(80);
    expect(onTimeRateNow({ completions: 0, completionsOnTime: 0 }, 0)).toBeNull();
  });
});
