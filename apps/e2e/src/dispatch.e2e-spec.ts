import { api, distinct, eventually, tokenFor } from '@duban/testing';

jest.setTimeout(120_000);

/**
 * A point inside the Wanghu subdistrict of the demo city (its area is drawn over Boston), new
 * for every case: reports of one category close together would be linked as duplicates.
 */
const inWanghu = () => ({ lat: 42.35 + Math.random() * 0.05, lon: -71.095 + Math.random() * 0.025 });

interface Assignment {
  id: string;
  unitId: string;
  assignee: string | null;
  ruleId: string;
  ruleVersion: number;
  reason: string;
  via: string;
  assignedBy: string | null;
  active: boolean;
  endReason: string | null;
  endedBy: string | null;
}

let operator: string;
let dispatcher: string;

async function fileCase(body: Record<string, unknown>): Promise<string> {
  const r = await api('/api/v1/cases', { method: 'POST', token: operator, body: { title: 'Dispatch e2e', description: distinct('Dispatch e2e case'), ...body } });
  expect(r.status).toBe(201);
  return r.body.id;
}

/** The case's active assignment once dispatch has made one that satisfies `ready`. */
async function activeAssignment(caseId: string, ready: (a: Assignment) => boolean = () => true): Promise<Assignment> {
  return eventually(async () => {
    const r = await api<{ assignments: Assignment[] }>(`/api/v1/assignments/${caseId}`, { token: dispatcher });
    const active = r.status === 200 ? r.body.assignments.find((a) => a.active) : undefined;
    return active && ready(active) ? active : undefined;
  });
}

function expectProblem(r: { status: number; body: { errors?: { field: string }[] } }, status: number, field?: string): void {
  expect(r.status).toBe(status);
  if (field) expect(r.body.errors?.map((e) => e.field)).toContain(field);
}

beforeAll(async () => {
  [operator, dispatcher] = await Promise.all([tokenFor('operator1'), tokenFor('dispatcher1')]);
});

describe('dispatch through the gateway', () => {
  it('routes a point to the office of its subdistrict (属地), and says which rule and version decided', async () => {
    const local = await fileCase({ category: 'urban.street-cleaning', location: { point: inWanghu() } });
    const cityWide = await fileCase({ category: 'urban.street-cleaning' });
    const a = await activeAssignment(local);
    expect(a).toMatchObject({ unitId: 'hudong-wanghu', assignee: 'handler-hudong-wanghu-a', ruleId: 'urban.street-cleaning@hudong-wanghu', via: 'rule' });
    expect(a.reason).toMatch(/urban\.street-cleaning in hudong-wanghu → Wanghu Subdistrict Office/);
    expect((await activeAssignment(cityWide)).unitId).toBe('urban-management');

    const preview = await api('/api/v1/routing/preview', { method: 'POST', token: dispatcher, body: { category: 'urban.street-cleaning', location: { point: inWanghu() } } });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ places: ['hudong-wanghu', 'hudong'], unitId: 'hudong-wanghu' });
    expectProblem(await api('/api/v1/routing/preview', { method: 'POST', token: dispatcher, body: { category: 'x', location: { point: { lat: 91, lon: 0 } } } }), 400, 'location.point.lat');
  });

  it('keeps routing rules as versioned data: create, change with optimistic locking, retire', async () => {
    const handler = await tokenFor('handler-water-a');
    const id = 'water.leak@huxi-xicheng';
    // Left over from an earlier run against the same stack: retire it first.
    await api(`/api/v1/routing-rules/${id}`, { method: 'DELETE', token: dispatcher });

    const rule = { category: 'water.leak', districtId: 'huxi-xicheng', unitId: 'huxi-xicheng', note: 'pilot: the subdistrict fixes leaks in Xicheng' };
    expectProblem(await api('/api/v1/routing-rules', { method: 'POST', token: handler, body: rule }), 403);
    expectProblem(await api('/api/v1/routing-rules', { method: 'POST', token: dispatcher, body: { ...rule, unitId: 'atlantis' } }), 400, 'unitId');
    expectProblem(await api('/api/v1/routing-rules', { method: 'POST', token: dispatcher, body: { ...rule, districtId: 'atlantis' } }), 400, 'districtId');
    expectProblem(await api('/api/v1/routing-rules', { method: 'POST', token: dispatcher, body: { ...rule, active: true } }), 400, 'active');
    const created = await api('/api/v1/routing-rules', { method: 'POST', token: dispatcher, body: rule });
    expect(created.status).toBe(201);
    const v1 = created.body.active.version as number;
    expect(created.body.active).toMatchObject({ id, unitId: 'huxi-xicheng', createdBy: 'dispatcher1', origin: 'admin' });
    expectProblem(await api('/api/v1/routing-rules', { method: 'POST', token: dispatcher, body: rule }), 409);

    const changed = await api(`/api/v1/routing-rules/${id}`, { method: 'PUT', token: dispatcher, body: { unitId: 'huxi', version: v1 } });
    expect(changed.status).toBe(200);
    expect(changed.body.active).toMatchObject({ version: v1 + 1, unitId: 'huxi' });
    // Someone else's edit based on the old version loses, and says why.
    expectProblem(await api(`/api/v1/routing-rules/${id}`, { method: 'PUT', token: dispatcher, body: { unitId: 'water', version: v1 } }), 409);

    const caseId = await fileCase({ category: 'water.leak', location: { district: 'huxi-xicheng' } });
    const a = await activeAssignment(caseId);
    expect(a).toMatchObject({ unitId: 'huxi', ruleId: id, ruleVersion: v1 + 1 });

    expect((await api(`/api/v1/routing-rules/${id}`, { method: 'DELETE', token: dispatcher })).status).toBe(204);
    const history = await api(`/api/v1/routing-rules/${id}`, { token: dispatcher });
    expect(history.body.active).toBeNull();
    expect(history.body.versions.at(-1)).toMatchObject({ version: v1 + 1, retiredBy: 'dispatcher1' });
    const after = await api('/api/v1/routing/preview', { method: 'POST', token: dispatcher, body: { category: 'water.leak', location: { district: 'huxi-xicheng' } } });
    expect(after.body.unitId).toBe('water');
  });

  it('gives the case to the B post while A is absent, and only the right people record absences', async () => {
    const [head, otherHandler] = await Promise.all([tokenFor('head-water'), tokenFor('handler-housing-a')]);
    const now = Date.now();
    const absence = { username: 'handler-water-a', from: new Date(now - 60_000).toISOString(), to: new Date(now + 3_600_000).toISOString(), reason: 'training' };
    expectProblem(await api('/api/v1/absences', { method: 'POST', token: otherHandler, body: absence }), 403);
    expectProblem(await api('/api/v1/absences', { method: 'POST', token: head, body: { ...absence, to: absence.from } }), 400, 'to');
    expectProblem(await api('/api/v1/absences', { method: 'POST', token: head, body: { ...absence, username: 'nobody-at-all' } }), 400, 'username');
    const recorded = await api('/api/v1/absences', { method: 'POST', token: head, body: absence });
    expect(recorded.status).toBe(201);
    try {
      const a = await activeAssignment(await fileCase({ category: 'water.leak' }));
      expect(a).toMatchObject({ unitId: 'water', assignee: 'handler-water-b' });
      expect(a.reason).toMatch(/B post handler-water-b \(A absent\)/);
    } finally {
      expect((await api(`/api/v1/absences/${recorded.body.id}`, { method: 'DELETE', token: head })).status).toBe(204);
    }
    expect((await activeAssignment(await fileCase({ category: 'water.leak' }))).assignee).toBe('handler-water-a');
  });

  it('re-routes a returned case without the returning unit; a second return goes to the coordinator, who designates the lead unit on a clock', async () => {
    const [wanghu, urban, water] = await Promise.all([
      tokenFor('handler-hudong-wanghu-a'),
      tokenFor('handler-urban-management-a'),
      tokenFor('handler-water-a'),
    ]);
    const caseId = await fileCase({ category: 'urban.street-cleaning', location: { point: inWanghu() } });
    await activeAssignment(caseId, (a) => a.unitId === 'hudong-wanghu');

    expectProblem(await api(`/api/v1/assignments/${caseId}/return`, { method: 'POST', token: water, body: { reason: 'Not our matter at all' } }), 404);
    expectProblem(await api(`/api/v1/assignments/${caseId}/return`, { method: 'POST', token: wanghu, body: { reason: 'no' } }), 400, 'reason');
    expectProblem(await api(`/api/v1/assignments/${caseId}/return`, { method: 'POST', token: wanghu, body: { reason: 'A city road, not a lane', unitId: 'water' } }), 400, 'unitId');

    const first = await api(`/api/v1/assignments/${caseId}/return`, { method: 'POST', token: wanghu, body: { reason: 'A city road, not a lane' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ unitId: 'urban-management', via: 'reroute' });
    expect(first.body.reason).toMatch(/re-routed without hudong-wanghu/);

    const second = await api(`/api/v1/assignments/${caseId}/return`, { method: 'POST', token: urban, body: { reason: 'Cleaning of this square is the district’s' } });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ unitId: 'supervision-office', via: 'coordinator' });

    const clock = await eventually(async () => {
      const r = await api(`/api/v1/clocks/${caseId}`, { token: dispatcher });
      return r.body?.clocks?.find((c: { stage: string }) => c.stage === 'designate');
    });
    expect(clock).toMatchObject({ state: 'running', policy: 'coordination.designate.1wd', unitId: 'supervision-office' });

    const queue = await api('/api/v1/coordination-queue', { token: dispatcher });
    expect(queue.body.cases.find((c: { caseId: string }) => c.caseId === caseId)).toMatchObject({ returns: 2 });
    expectProblem(await api('/api/v1/coordination-queue', { token: water }), 403);
    expectProblem(await api(`/api/v1/assignments/${caseId}/return`, { method: 'POST', token: dispatcher, body: { reason: 'Back to the pool' } }), 409);
    // A handler may never designate (a function-level refusal, before the case is even looked at).
    expectProblem(await api(`/api/v1/assignments/${caseId}/designate-lead`, { method: 'POST', token: water, body: { unitId: 'hudong', reason: 'The district leads' } }), 403);
    expectProblem(await api(`/api/v1/assignments/${caseId}/designate-lead`, { method: 'POST', token: dispatcher, body: { unitId: 'atlantis', reason: 'The district leads' } }), 400, 'unitId');

    const designated = await api(`/api/v1/assignments/${caseId}/designate-lead`, { method: 'POST', token: dispatcher, body: { unitId: 'hudong', reason: 'The district leads, urban management cooperates' } });
    expect(designated.status).toBe(200);
    expect(designated.body).toMatchObject({ unitId: 'hudong', via: 'designation', assignedBy: 'dispatcher1' });
    expectProblem(await api(`/api/v1/assignments/${caseId}/designate-lead`, { method: 'POST', token: dispatcher, body: { unitId: 'hudong', reason: 'Once more, with feeling' } }), 409);

    await eventually(async () => {
      const r = await api(`/api/v1/clocks/${caseId}`, { token: dispatcher });
      return r.body.clocks.some((c: { stage: string; state: string }) => c.stage === 'designate' && c.state === 'met') ? true : undefined;
    });
    const view = await eventually(async () => {
      const r = await api(`/api/v1/cases/${caseId}`, { token: operator });
      return r.body.unitId === 'hudong' && r.body.timeline.some((t: { type: string }) => t.type === 'case.lead-designated') ? r.body : undefined;
    });
    const types = view.timeline.map((t: { type: string }) => t.type);
    expect(types.filter((t: string) => t === 'case.returned')).toHaveLength(2);
    expect(types.filter((t: string) => t === 'case.assigned')).toHaveLength(4);
    const audit = await api(`/api/v1/assignments/${caseId}`, { token: dispatcher });
    expect(audit.body.returns.map((r: { unitId: string; returnedBy: string }) => [r.unitId, r.returnedBy])).toEqual([
      ['hudong-wanghu', 'handler-hudong-wanghu-a'],
      ['urban-management', 'handler-urban-management-a'],
    ]);
    expect(audit.body.assignments.map((a: Assignment) => [a.unitId, a.via, a.endReason])).toEqual([
      ['hudong-wanghu', 'rule', 'returned'],
      ['urban-management', 'reroute', 'returned'],
      ['supervision-office', 'coordinator', 'designated'],
      ['hudong', 'designation', null],
    ]);
  });

  it('lets dispatchers reassign, audited, and nobody else', async () => {
    const handler = await tokenFor('handler-housing-a');
    const caseId = await fileCase({ category: 'housing.repair' });
    await activeAssignment(caseId, (a) => a.unitId === 'housing');
    expectProblem(await api(`/api/v1/assignments/${caseId}/reassign`, { method: 'POST', token: handler, body: { unitId: 'inspection', reason: 'Needs an inspector' } }), 403);
    expectProblem(await api(`/api/v1/assignments/${caseId}/reassign`, { method: 'POST', token: dispatcher, body: { unitId: 'inspection', assignee: 'handler-water-a', reason: 'Needs an inspector' } }), 400, 'assignee');
    expectProblem(await api(`/api/v1/assignments/${caseId}/reassign`, { method: 'POST', token: dispatcher, body: { unitId: 'housing', reason: 'Needs an inspector' } }), 400, 'unitId');
    const moved = await api(`/api/v1/assignments/${caseId}/reassign`, { method: 'POST', token: dispatcher, body: { unitId: 'inspection', assignee: 'handler-inspection-b', reason: 'Needs an inspector' } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ unitId: 'inspection', assignee: 'handler-inspection-b', via: 'reassignment', assignedBy: 'dispatcher1' });
    const audit = await api(`/api/v1/assignments/${caseId}`, { token: dispatcher });
    expect(audit.body.assignments[0]).toMatchObject({ unitId: 'housing', active: false, endReason: 'reassigned', endedBy: 'dispatcher1' });
    // The previous unit no longer sees the case's assignments; the new one does.
    expectProblem(await api(`/api/v1/assignments/${caseId}/return`, { method: 'POST', token: handler, body: { reason: 'Not ours any more' } }), 404);
    const inspector = await tokenFor('handler-inspection-b');
    const notified = await eventually(async () => {
      const inbox = await api('/api/v1/notifications', { token: inspector });
      return inbox.body.notifications.find((n: { caseId: string }) => n.caseId === caseId);
    });
    expect(notified).toBeDefined();
  });

  it('suggests rules from how cases were really handled, and changes nothing by itself', async () => {
    const ids = [await fileCase({ category: 'animals.dead-animal', location: { district: 'xingang-haiyun' } }), await fileCase({ category: 'animals.dead-animal', location: { district: 'xingang-haiyun' } })];
    for (const id of ids) {
      const before = await activeAssignment(id);
      expect(before.unitId).not.toBe('xingang-haiyun');
      const moved = await api(`/api/v1/assignments/${id}/reassign`, { method: 'POST', token: dispatcher, body: { unitId: 'xingang-haiyun', reason: 'The subdistrict clears dead animals here' } });
      expect(moved.status).toBe(200);
    }
    expectProblem(await api('/api/v1/routing-rules/suggestions?days=0', { token: dispatcher }), 400, 'days');
    expectProblem(await api('/api/v1/routing-rules/suggestions', { token: await tokenFor('handler-water-a') }), 403);
    const suggested = await api('/api/v1/routing-rules/suggestions?days=30', { token: dispatcher });
    expect(suggested.status).toBe(200);
    expect(suggested.body.basedOn).toMatchObject({ days: 30, halfLifeDays: 60, minSupport: 2, minGain: 1 });
    expect(suggested.body.suggestions).toContainEqual({
      id: 'animals.dead-animal@xingang-haiyun',
      category: 'animals.dead-animal',
      districtId: 'xingang-haiyun',
      unitId: 'xingang-haiyun',
      action: 'add',
      current: null,
      decidedToday: { ruleId: 'animals.dead-animal', version: 1, unitId: 'urban-management' },
    });
    const preview = await api('/api/v1/routing/preview', { method: 'POST', token: dispatcher, body: { category: 'animals.dead-animal', location: { district: 'xingang-haiyun' } } });
    expect(preview.body.unitId).not.toBe('xingang-haiyun');
  });
});
