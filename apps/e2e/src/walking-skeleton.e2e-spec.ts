import { api, distinct, eventually, serviceDb, stack, tokenFor } from '@duban/testing';

jest.setTimeout(120_000);

const SERVICES = [
  'duban-gateway',
  'duban-intake',
  'duban-dispatch',
  'duban-collaboration',
  'duban-escalation',
  'duban-assessment',
  'duban-notification',
];

interface TimelineEntry {
  type: string;
  summary: string;
}
interface CaseView {
  id: string;
  status: string;
  unitId: string | null;
  assignee: string | null;
  deadline: string | null;
  traceId: string | null;
  timeline: TimelineEntry[];
}

const countCases = () => serviceDb('intake', async (c) => (await c.query('SELECT count(*)::int AS n FROM cases')).rows[0].n as number);

describe('one case through all six services', () => {
  let citizen: string;

  beforeAll(async () => {
    citizen = await tokenFor('citizen1');
  });

  it('is received, assigned, timed, worked on, notified and counted — and traced end to end', async () => {
    const created = await api('/api/v1/cases', {
      method: 'POST',
      token: citizen,
      body: JSON.stringify({
        title: 'Ceiling leaking in stairwell',
        description: distinct('Water comes through the ceiling of the stairwell on floor 3 since this morning.'),
        category: 'housing.repair',
        location: { address: '12 Harbour Road', point: { lat: 31.2 + Math.random() / 10, lon: 121.4 + Math.random() / 10 } },
      }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/cases/${created.body.id}`);
    expect(created.body).toMatchObject({ status: 'received', tier: 'general', channel: 'web', unitId: null });
    const caseId: string = created.body.id;

    // Assigned by dispatch, timed by escalation, and the assignee notified: all visible on the case (to staff).
    const dispatcher = await tokenFor('dispatcher1');
    const view = await eventually(async () => {
      const r = await api(`/api/v1/cases/${caseId}`, { token: dispatcher });
      const types = (r.body as CaseView).timeline.map((t) => t.type);
      const done = ['case.assigned', 'sla.clock-started', 'case.workspace-opened', 'notification.delivered'].every((t) =>
        types.includes(t),
      );
      // Two clocks start with the assignment: the first response (accept) and the result (complete).
      const clocks = types.filter((t) => t === 'sla.clock-started').length;
      return done && clocks === 2 ? (r.body as CaseView) : undefined;
    });
    expect(view.status).toBe('assigned');
    expect(view.unitId).toBe('housing');
    expect(view.assignee).toBe('handler-housing-a');
    expect(view.deadline).not.toBeNull();
    expect(new Date(view.deadline!).getTime()).toBeGreaterThan(Date.now());
    expect(view.timeline.find((t) => t.type === 'case.assigned')!.summary).toContain('rule housing.repair v1');
    // The reporter reads the same case without the inside of the work (issue 19): the unit, the steps, the time limits.
    const mine = (await api(`/api/v1/cases/${caseId}`, { token: citizen })).body as CaseView;
    expect(mine).toMatchObject({ status: 'assigned', unitId: 'housing', assignee: null, deadline: view.deadline });
    expect(mine.timeline.map((t) => t.type)).not.toContain('notification.delivered');
    expect(JSON.stringify(mine)).not.toContain('handler-housing-a');

    // The handler sees it in the in-app inbox.
    const handler = await tokenFor('handler-housing-a');
    const inbox = await api('/api/v1/notifications', { token: handler });
    expect(inbox.status).toBe(200);
    expect(inbox.body.notifications.map((n: { caseId: string }) => n.caseId)).toContain(caseId);

    // The unit's workspace is waiting to be signed for, and the case counts into the unit's open cases.
    const workspaces = await api('/api/v1/workspaces', { token: handler });
    expect(workspaces.body.workspaces).toEqual(
      expect.arrayContaining([expect.objectContaining({ caseId, state: 'awaiting-sign-for' })]),
    );
    const head = await tokenFor('head-housing');
    const load = await api('/api/v1/assessment/units/housing', { token: head });
    expect(load.status).toBe(200);
    expect(load.body.openCases).toBeGreaterThanOrEqual(1);

    // One trace in Jaeger holds spans from the gateway and all six services.
    expect(view.traceId).toMatch(/^[0-9a-f]{32}$/);
    const trace = await eventually(
      async () => {
        const response = await fetch(`${stack.jaegerQueryUrl}/api/traces/${view.traceId}`);
        if (!response.ok) return undefined;
        const body = (await response.json()) as {
          data: { traceID: string; spans: { traceID: string; processID: string }[]; processes: Record<string, { serviceName: string }> }[];
        };
        const t = body.data?.[0];
        if (!t) return undefined;
        const services = new Set(t.spans.map((s) => t.processes[s.processID].serviceName));
        return SERVICES.every((s) => services.has(s)) ? { t, services } : undefined;
      },
      60_000,
      1000,
    );
    expect([...trace.services].sort()).toEqual([...SERVICES].sort());
    expect(new Set(trace.t.spans.map((s) => s.traceID))).toEqual(new Set([view.traceId]));
  });

  it('refuses invalid input with problem+json naming each field, and writes nothing', async () => {
    const before = await countCases();
    const bad = await api('/api/v1/cases', {
      method: 'POST',
      token: citizen,
      body: JSON.stringify({ description: 'x'.repeat(5001), category: 'Not A Code!', colour: 'red' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body).toMatchObject({ status: 400, type: expect.stringContaining('validation') });
    const fields = bad.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['title', 'description', 'category']));

    const unknownCategory = await api('/api/v1/cases', {
      method: 'POST',
      token: citizen,
      body: JSON.stringify({ title: 'x', description: 'y', category: 'no.such-category' }),
    });
    expect(unknownCategory.status).toBe(400);
    expect(unknownCategory.body.errors).toEqual([expect.objectContaining({ field: 'category' })]);

    const notJson = await api('/api/v1/cases', { method: 'POST', token: citizen, body: '{"title": ' });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('content-type')).toContain('application/problem+json');

    expect(await countCases()).toBe(before);
  });

  it('recognises the category from the text and raises the tier on safety words', async () => {
    const recognised = await api('/api/v1/cases', {
      method: 'POST',
      token: citizen,
      body: JSON.stringify({ title: '噪音扰民', description: distinct('楼上每天深夜噪音很大，影响休息。') }),
    });
    expect(recognised.status).toBe(201);
    expect(recognised.body).toMatchObject({ category: 'environment.noise', tier: 'general' });
    expect(recognised.body.timeline[0].summary).toContain('category recognised from');

    const urgent = await api('/api/v1/cases', {
      method: 'POST',
      token: citizen,
      body: JSON.stringify({ title: 'Streetlight pole damaged', description: distinct('The pole leans over the pavement, it is dangerous.'), category: 'public-works.streetlight' }),
    });
    expect(urgent.status).toBe(201);
    expect(urgent.body).toMatchObject({ category: 'public-works.streetlight', tier: 'immediate' });

    const unknown = await api('/api/v1/cases', { method: 'POST', token: citizen, body: JSON.stringify({ title: 'Hello', description: 'Just saying hi.' }) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'category' })]);
  });

  it('lets a dispatcher reclassify a case, audited, and re-times its clock', async () => {
    const created = await api('/api/v1/cases', {
      method: 'POST',
      token: citizen,
      body: JSON.stringify({ title: 'Streetlight out', description: distinct('Dark corner at the bus stop.'), category: 'public-works.streetlight' }),
    });
    const id = created.body.id;
    const first = await eventually(async () => {
      const r = await api(`/api/v1/cases/${id}`, { token: citizen });
      return r.body.deadline ? (r.body as CaseView) : undefined;
    });

    const refused = await api(`/api/v1/cases/${id}/reclassify`, {
      method: 'POST',
      token: citizen,
      body: JSON.stringify({ category: 'water.leak', reason: 'I think it is urgent' }),
    });
    expect(refused.status).toBe(403);

    const dispatcher = await tokenFor('dispatcher1');
    const changed = await api(`/api/v1/cases/${id}/reclassify`, {
      method: 'POST',
      token: dispatcher,
      body: JSON.stringify({ category: 'public-works.streetlight', tier: 'immediate', reason: 'Live cable exposed at the pole' }),
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ category: 'public-works.streetlight', tier: 'immediate' });

    // Escalation re-times the clock from the same start with the immediate limit: the deadline moves.
    const retimed = await eventually(async () => {
      const r = await api(`/api/v1/cases/${id}`, { token: citizen });
      const clocks = (r.body as CaseView).timeline.filter((t) => t.type === 'sla.clock-started');
      // Both clocks of the assignment, then both again on the immediate tier's limits.
      return clocks.length === 4 ? (r.body as CaseView) : undefined;
    });
    expect(retimed.deadline).not.toBe(first.deadline);
    // Staff read why (the reporter reads that the category was corrected).
    expect(retimed.timeline.find((t) => t.type === 'case.reclassified')!.summary).toBe('The category was corrected');
    const asStaff = (await api(`/api/v1/cases/${id}`, { token: dispatcher })).body as CaseView;
    expect(asStaff.timeline.find((t) => t.type === 'case.reclassified')!.summary).toContain('Live cable exposed');
  });

  it('takes hotline cases for a caller and leader assignments with their source and priority', async () => {
    const operator = await tokenFor('operator1');
    const hotline = await api('/api/v1/cases', {
      method: 'POST',
      token: operator,
      body: JSON.stringify({
        title: '路灯不亮',
        description: distinct('来电反映小区门口路灯连续三晚不亮。'),
        category: 'public-works.streetlight',
        caller: { name: '王女士', phone: '+86 138 0000 0000' },
      }),
    });
    expect(hotline.status).toBe(201);
    expect(hotline.body).toMatchObject({ channel: 'hotline' });
    expect(hotline.body.timeline[0].summary).toContain('for caller 王女士');

    const misplaced = await api('/api/v1/cases', {
      method: 'POST',
      token: citizen,
      body: JSON.stringify({ title: 't', description: 'd', category: 'water.leak', caller: { name: 'x' }, tier: 'complex' }),
    });
    expect(misplaced.status).toBe(400);
    expect(misplaced.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['caller', 'tier']);

    const supervisor = await tokenFor('supervisor1');
    const unsourced = await api('/api/v1/cases', {
      method: 'POST',
      token: supervisor,
      body: JSON.stringify({ title: 'Flooded underpass', description: 'Mayor asks for a plan.', category: 'water.flooding', channel: 'leader' }),
    });
    expect(unsourced.status).toBe(400);
    expect(unsourced.body.errors[0].field).toBe('sourceReference');
    const leader = await api('/api/v1/cases', {
      method: 'POST',
      token: supervisor,
      body: JSON.stringify({
        title: 'Flooded underpass',
        description: 'Mayor asks for a plan.',
        category: 'water.flooding',
        channel: 'leader',
        sourceReference: '市长批示 2026-118',
        tier: 'complex',
      }),
    });
    expect(leader.status).toBe(201);
    expect(leader.body).toMatchObject({ channel: 'leader', tier: 'complex' });
    expect(leader.body.timeline[0].summary).toContain('市长批示 2026-118');
  });

  it('returns the same case for a retried POST with the same Idempotency-Key, also when retries race', async () => {
    const before = await countCases();
    const key = `retry-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const body = JSON.stringify({ title: 'Broken streetlight', description: 'Dark since Monday.', category: 'public-works.streetlight' });
    const post = (b: string, k = key) =>
      api('/api/v1/cases', { method: 'POST', token: citizen, body: b, headers: { 'idempotency-key': k } });
    const [a, b, c] = await Promise.all([post(body), post(body), post(body)]);
    expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
    expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(1);
    const later = await post(body);
    expect(later.status).toBe(201);
    expect(later.body.id).toBe(a.body.id);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    expect(await countCases()).toBe(before + 1);

    const different = await post(JSON.stringify({ title: 'Something else', description: 'x', category: 'public-works.streetlight' }));
    expect(different.status).toBe(409);
    expect(different.headers.get('content-type')).toContain('application/problem+json');
    const badKey = await post(body, 'has spaces in it');
    expect(badKey.status).toBe(400);
    expect(badKey.body.errors[0].field).toBe('Idempotency-Key');
    expect(await countCases()).toBe(before + 1);
  });

  it('answers 401 problem+json without a valid token, at the gateway and at the service', async () => {
    const none = await api('/api/v1/cases', { method: 'POST', body: JSON.stringify({ title: 't' }) });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.headers.get('content-type')).toContain('application/problem+json');

    const forged = citizen.slice(0, -4) + (citizen.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const bad = await api('/api/v1/cases/00000000-0000-4000-8000-000000000000', { token: forged });
    expect(bad.status).toBe(401);

    // Services verify tokens themselves too; the gateway is not the only lock.
    const direct = await fetch('http://127.0.0.1:8081/api/v1/cases/00000000-0000-4000-8000-000000000000');
    expect(direct.status).toBe(401);
  });

  it('hides a case from another citizen', async () => {
    const created = await api('/api/v1/cases', {
      method: 'POST',
      token: citizen,
      body: JSON.stringify({ title: 'Noise at night', description: distinct('Loud music after midnight.'), category: 'environment.noise' }),
    });
    expect(created.status).toBe(201);
    const waterHandler = await tokenFor('handler-water-a');
    const other = await api(`/api/v1/cases/${created.body.id}`, { token: waterHandler });
    expect(other.status).toBe(404);
  });
});
