import { api, distinct, eventually, tokenFor } from '@duban/testing';

jest.setTimeout(120_000);

// What the one map (一张图) reads (issue 14): intake's open cases with their places, escalation's
// light of each and per unit, assessment's totals for the KPI tiles — each for whom it is meant.
describe('the one map’s data through the gateway', () => {
  it('places an open case, gives it its light, counts it for its unit, and shows it only to oversight and its unit', async () => {
    const [operator, supervisor, handler, otherUnit, reporter] = await Promise.all([
      tokenFor('operator1'),
      tokenFor('supervisor1'),
      tokenFor('handler-water-a'),
      tokenFor('handler-housing-a'),
      tokenFor('citizen1'),
    ]);
    const point = { lat: 42.352 + Math.random() * 0.02, lon: -71.09 + Math.random() * 0.015 };
    const filed = await api('/api/v1/cases', {
      method: 'POST',
      token: operator,
      body: { title: 'Board leak', description: distinct('A leak for the board'), category: 'water.leak', location: { point } },
    });
    expect(filed.status).toBe(201);
    const caseId: string = filed.body.id;

    const onMap = await eventually(async () => {
      const r = await api<{ cases: { caseId: string; lat: number; lon: number; unitId: string | null; status: string }[]; truncated: boolean }>('/api/v1/cases/map', { token: supervisor });
      return r.body.cases?.find((c) => c.caseId === caseId && c.unitId === 'water');
    });
    expect(onMap).toMatchObject({ lat: point.lat, lon: point.lon, category: 'water.leak' });
    expect(['assigned', 'in-progress']).toContain(onMap.status);

    const light = await eventually(async () => {
      const r = await api<{ cases: { caseId: string; unitId: string; light: string }[]; units: { unitId: string; total: number; green: number }[] }>('/api/v1/lights', { token: supervisor });
      const row = r.body.cases?.find((c) => c.caseId === caseId);
      return row ? { row, units: r.body.units } : undefined;
    });
    expect(light.row).toMatchObject({ unitId: 'water', light: 'green', supervisionLevel: 'department' });
    const water = light.units.find((u) => u.unitId === 'water')!;
    expect(water.total).toBeGreaterThanOrEqual(1);
    expect(water.green).toBeGreaterThanOrEqual(1);

    // Its unit sees its own lights and no other unit's; another unit does not see it at all.
    const own = await api<{ cases: { caseId: string; unitId: string }[] }>('/api/v1/lights', { token: handler });
    expect(own.body.cases.some((c) => c.caseId === caseId)).toBe(true);
    expect(own.body.cases.every((c) => c.unitId === 'water')).toBe(true);
    expect((await api<{ cases: { caseId: string }[] }>('/api/v1/lights', { token: otherUnit })).body.cases.some((c) => c.caseId === caseId)).toBe(false);
    expect((await api('/api/v1/lights?unitId=water', { token: otherUnit })).status).toBe(403);
    const bad = await api('/api/v1/lights?unitId=NOT%20A%20UNIT', { token: supervisor });
    expect([bad.status, bad.body.errors?.[0]?.field]).toEqual([400, 'unitId']);

    // The map of every open case is for oversight roles; a unit and a reporter are refused.
    expect((await api('/api/v1/cases/map', { token: handler })).status).toBe(403);
    expect((await api('/api/v1/cases/map', { token: reporter })).status).toBe(403);
    expect((await api('/api/v1/lights', { token: reporter })).status).toBe(403);
    const limit = await api('/api/v1/cases/map?limit=0', { token: supervisor });
    expect([limit.status, limit.body.errors?.[0]?.field]).toEqual([400, 'limit']);
    const one = await api('/api/v1/cases/map?limit=1', { token: supervisor });
    expect(one.body.cases).toHaveLength(1);
    expect(one.body.truncated).toBe(true);
  });

  it('adds the units’ counters into the organisation’s figures for the KPI tiles', async () => {
    const supervisor = await tokenFor('supervisor1');
    const r = await api('/api/v1/assessment/rankings?period=year', { token: supervisor });
    expect(r.status).toBe(200);
    const assigned = r.body.units.reduce((s: number, u: { assigned: number }) => s + Number(u.assigned), 0);
    expect(r.body.total.assigned).toBe(assigned);
    expect(Object.keys(r.body.total.kpis)).toEqual(expect.arrayContaining(['onTimeCompletion', 'closedLoopRate', 'satisfaction', 'reboundRate']));
    expect(r.body.total.index === null || (r.body.total.index >= 0 && r.body.total.index <= 100)).toBe(true);
  });
});
