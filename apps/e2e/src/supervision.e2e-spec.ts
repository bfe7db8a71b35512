import { api, distinct, eventually, tokenFor } from '@duban/testing';

jest.setTimeout(120_000);

describe('supervision orders (督办单) through the gateway', () => {
  it('puts a case under supervision with its own time limit, and takes the unit’s reply once', async () => {
    const [operator, supervisor, handler, otherUnit] = await Promise.all([
      tokenFor('operator1'),
      tokenFor('supervisor1'),
      tokenFor('handler-water-a'),
      tokenFor('handler-housing-a'),
    ]);
    const filed = await api('/api/v1/cases', { method: 'POST', token: operator, body: { title: 'Leak under supervision', description: distinct('A leak the mayor asked about'), category: 'water.leak' } });
    const caseId: string = filed.body.id;
    await eventually(async () => ((await api(`/api/v1/clocks/${caseId}`, { token: supervisor })).status === 200 ? true : undefined));

    const dueAt = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const order = { caseId, dueAt, reason: 'Mayor’s hotline follow-up: report the repair plan' };
    expect((await api('/api/v1/supervision-orders', { method: 'POST', token: handler, body: order })).status).toBe(403);
    const past = await api('/api/v1/supervision-orders', { method: 'POST', token: supervisor, body: { ...order, dueAt: new Date(Date.now() - 60_000).toISOString() } });
    expect([past.status, past.body.errors[0].field]).toEqual([400, 'dueAt']);
    const unknown = await api('/api/v1/supervision-orders', { method: 'POST', token: supervisor, body: { ...order, caseId: '00000000-0000-4000-8000-000000000000' } });
    expect([unknown.status, unknown.body.errors[0].field]).toEqual([400, 'caseId']);
    const mass = await api('/api/v1/supervision-orders', { method: 'POST', token: supervisor, body: { ...order, status: 'replied' } });
    expect([mass.status, mass.body.errors[0].field]).toEqual([400, 'status']);

    const issued = await api('/api/v1/supervision-orders', { method: 'POST', token: supervisor, body: order });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ caseId, unitId: 'water', status: 'open', replyRequired: true, issuedBy: 'supervisor1' });
    expect(new Date(issued.body.dueAt).toISOString()).toBe(dueAt);
    const clocks = await api(`/api/v1/clocks/${caseId}`, { token: supervisor });
    const clock = clocks.body.clocks.find((c: { id: string }) => c.id === issued.body.clockId);
    expect(clock).toMatchObject({ stage: 'supervision', state: 'running' });
    expect(new Date(clock.dueAt).toISOString()).toBe(dueAt);

    // The unit sees its order; another unit sees nothing and cannot answer.
    const mine = await api(`/api/v1/supervision-orders?caseId=${caseId}`, { token: handler });
    expect(mine.body.orders.map((o: { id: string }) => o.id)).toEqual([issued.body.id]);
    expect((await api(`/api/v1/supervision-orders?caseId=${caseId}`, { token: otherUnit })).body.orders).toEqual([]);
    const path = `/api/v1/supervision-orders/${issued.body.id}/reply`;
    expect((await api(path, { method: 'POST', token: otherUnit, body: { reply: 'Not ours to answer' } })).status).toBe(404);
    const short = await api(path, { method: 'POST', token: handler, body: { reply: 'ok' } });
    expect([short.status, short.body.errors[0].field]).toEqual([400, 'reply']);

    const replied = await api(path, { method: 'POST', token: handler, body: { reply: 'Crew on site at 14:00, main valve replaced by 18:00' } });
    expect(replied.status).toBe(200);
    expect(replied.body).toMatchObject({ status: 'replied', repliedBy: 'handler-water-a' });
    expect((await api(path, { method: 'POST', token: handler, body: { reply: 'Once more, to be sure' } })).status).toBe(409);
    const after = await api(`/api/v1/clocks/${caseId}`, { token: supervisor });
    expect(after.body.clocks.find((c: { id: string }) => c.id === issued.body.clockId).state).toBe('met');

    const view = await eventually(async () => {
      const r = await api(`/api/v1/cases/${caseId}`, { token: supervisor });
      return r.body.timeline.some((t: { type: string }) => t.type === 'case.supervision-replied') ? r.body : undefined;
    });
    expect(view.timeline.map((t: { type: string }) => t.type)).toEqual(expect.arrayContaining(['case.supervision-ordered', 'case.supervision-replied']));
  });

  it('shows cards and rectifications to supervisors and to each unit for itself only', async () => {
    const [supervisor, handler, citizen] = await Promise.all([tokenFor('supervisor1'), tokenFor('handler-water-a'), tokenFor('citizen1')]);
    const all = await api('/api/v1/cards', { token: supervisor });
    expect(all.status).toBe(200);
    expect(Array.isArray(all.body.cards)).toBe(true);
    expect((await api('/api/v1/cards', { token: handler })).status).toBe(200);
    expect((await api('/api/v1/cards?unitId=housing', { token: handler })).status).toBe(403);
    expect((await api('/api/v1/rectifications', { token: citizen })).status).toBe(403);
    expect((await api('/api/v1/rectifications?unitId=water', { token: supervisor })).status).toBe(200);
  });
});
