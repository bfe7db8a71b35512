import { defaultCalendar } from '@duban/calendar';
import { api, distinct, eventually, onRiskBoard, stack, tokenFor } from '@duban/testing';

jest.setTimeout(180_000);

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

/** Uploads a file as the raw body, the way the console does. */
async function upload(token: string, caseId: string, name: string, contentType: string, bytes: Buffer) {
  const response = await fetch(`${stack.gatewayUrl}/api/v1/workspaces/${caseId}/attachments?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: bytes,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json()) as any };
}

type Clock = { stage: string; state: string; unitId: string; ref: string | null; dueAt: string | null; startedAt: string };

describe('a complex case handled by a lead unit with two cooperating units, a co-sign and a task force, through the gateway', () => {
  it('runs sign-for, notes with attachments, cooperation, co-signing, the task tree, the result and its review, leaving a trail', async () => {
    const [operator, supervisor, lead, leadHead, housing, housingHead, works, worksHead, outsider] = await Promise.all(
      ['operator1', 'supervisor1', 'handler-water-a', 'head-water', 'handler-housing-a', 'head-housing', 'handler-public-works-a', 'head-public-works', 'head-transport'].map((user) => tokenFor(user)),
    );
    // A leader's instruction makes a leak a complex case (filed by the supervision office).
    const filed = await api('/api/v1/cases', {
      method: 'POST',
      token: supervisor,
      body: { title: 'Recurring flooding of a residential block', description: distinct('Basements flood after every rain; pipes, drains and the building are involved'), category: 'water.leak', channel: 'leader', sourceReference: 'Mayor instruction 2026-118', tier: 'complex' },
    });
    expect(filed.status).toBe(201);
    const caseId: string = filed.body.id;
    const ws = (path = '') => `/api/v1/workspaces/${caseId}${path}`;
    await eventually(async () => ((await api(ws(), { token: lead })).status === 200 ? true : undefined));

    // 签收: only the lead unit, once; nothing else happens before it.
    // (A unit not yet asked to work on the case does not see it at all: 404, as for no case.)
    expect((await api(ws('/sign-for'), { method: 'POST', token: housing })).status).toBe(404);
    const early = await api(ws('/notes'), { method: 'POST', token: lead, body: { text: 'Started looking' } });
    expect([early.status, early.body.detail]).toEqual([409, expect.stringContaining('signed for')]);
    const signed = await api(ws('/sign-for'), { method: 'POST', token: lead });
    expect(signed.body).toMatchObject({ caseId, state: 'in-progress' });
    expect((await api(ws('/sign-for'), { method: 'POST', token: lead })).status).toBe(409);

    // Attachments are checked by content and size; a note carries them once.
    const photo = await upload(lead, caseId, 'basement.png', 'image/png', PNG);
    expect(photo.status).toBe(201);
    const disguised = await upload(lead, caseId, 'not-a-photo.png', 'image/png', Buffer.from('MZ executable'));
    expect([disguised.status, disguised.body.errors?.[0]?.field]).toEqual([400, 'file']);
    expect((await upload(lead, caseId, 'tool.exe', 'application/x-msdownload', PNG)).status).toBe(415);
    const note = await api(ws('/notes'), { method: 'POST', token: lead, body: { text: 'Site visit: water enters from the drain', attachmentIds: [photo.body.id] } });
    expect(note.status).toBe(201);
    const reused = await api(ws('/notes'), { method: 'POST', token: lead, body: { text: 'Same photo again', attachmentIds: [photo.body.id] } });
    expect([reused.status, reused.body.errors[0].field]).toEqual([400, 'attachmentIds']);
    const download = await fetch(`${stack.gatewayUrl}${ws(`/attachments/${photo.body.id}`)}`, { headers: { authorization: `Bearer ${supervisor}` } });
    expect([download.status, download.headers.get('content-type')]).toEqual([200, 'image/png']);
    expect(Buffer.from(await download.arrayBuffer()).equals(PNG)).toBe(true);

    // 配合: two cooperating units with reply deadlines; bad requests change nothing.
    const inPast = await api(ws('/assists'), { method: 'POST', token: lead, body: { unitId: 'public-works', request: 'Survey the drains', dueAt: new Date(Date.now() - 3_600_000).toISOString() } });
    expect([inPast.status, inPast.body.errors[0].field]).toEqual([400, 'dueAt']);
    const itself = await api(ws('/assists'), { method: 'POST', token: lead, body: { unitId: 'water', request: 'Help ourselves' } });
    expect([itself.status, itself.body.errors[0].field]).toEqual([400, 'unitId']);
    // Housing is not asked yet: to it the case does not exist.
    const byCooperator = await api(ws('/assists'), { method: 'POST', token: housing, body: { unitId: 'parks', request: 'Join us please' } });
    expect(byCooperator.status).toBe(404);
    const askHousing = await api(ws('/assists'), { method: 'POST', token: lead, body: { unitId: 'housing', request: 'Inspect the building foundations' } });
    expect(askHousing.status).toBe(201);
    expect(askHousing.body).toMatchObject({ unitId: 'housing', dueAt: null, replyWithinWorkingMinutes: 240 });
    expect((await api(ws('/assists'), { method: 'POST', token: lead, body: { unitId: 'housing', request: 'Inspect it twice' } })).status).toBe(409);
    const worksDue = new Date(Date.now() + 2 * 86_400_000);
    const askWorks = await api(ws('/assists'), { method: 'POST', token: lead, body: { unitId: 'public-works', request: 'Survey the drains of the block', dueAt: worksDue.toISOString() } });
    expect(askWorks.status).toBe(201);
    const housingAssist = `/api/v1/assists/${askHousing.body.assistId}`;
    const worksAssist = `/api/v1/assists/${askWorks.body.assistId}`;

    // Escalation times each reply: housing's on 4 working hours of its calendar, public works' at the lead's date.
    const clocks = await eventually(async () => {
      const r = await api(`/api/v1/clocks/${caseId}`, { token: supervisor });
      const assists = (r.body?.clocks ?? []).filter((c: Clock) => c.stage === 'assist');
      return assists.length === 2 ? (r.body.clocks as Clock[]) : undefined;
    });
    const housingClock = clocks.find((c) => c.ref === askHousing.body.assistId)!;
    expect(housingClock.unitId).toBe('housing');
    expect(new Date(housingClock.dueAt!).toISOString()).toBe(defaultCalendar().addWorkingMinutes(new Date(housingClock.startedAt), 240).toISOString());
    expect(new Date(clocks.find((c) => c.ref === askWorks.body.assistId)!.dueAt!).getTime()).toBeCloseTo(worksDue.getTime(), -4);
    expect(clocks.find((c) => c.stage === 'solution')).toMatchObject({ state: 'running', unitId: 'water' });
    expect(clocks.find((c) => c.stage === 'accept')).toMatchObject({ state: 'met' });

    // 预警: the open case has a risk score; its unit and oversight see it, other units do not.
    const risk = await api(`/api/v1/risk/${caseId}`, { token: leadHead });
    expect(risk.status).toBe(200);
    expect(risk.body).toMatchObject({ caseId, unitId: 'water', category: 'water.leak', stage: 0, flagged: expect.any(Boolean) });
    expect(risk.body.score).toBeGreaterThan(0);
    expect(risk.body.score).toBeLessThan(1);
    // The board is read from kept scores: a newly assigned case is on it once the scorer has run (about a second).
    await eventually(async () => (await onRiskBoard(supervisor, caseId, '&unitId=water')) || undefined);
    expect((await api(`/api/v1/risk/${caseId}`, { token: outsider })).status).toBe(404);
    expect((await api(`/api/v1/risk?unitId=water`, { token: outsider })).status).toBe(403);
    const badFlag = await api(`/api/v1/risk?flagged=maybe`, { token: supervisor });
    expect([badFlag.status, badFlag.body.errors[0].field]).toEqual([400, 'flagged']);

    // Only the invited unit answers; once.
    // A unit outside the case does not learn the request exists; another unit working on the case is told it may not.
    expect((await api(`${housingAssist}/reply`, { method: 'POST', token: outsider, body: { reply: 'We know nothing of it' } })).status).toBe(404);
    expect((await api(`${housingAssist}/reply`, { method: 'POST', token: works, body: { reply: 'Answering for housing' } })).status).toBe(403);
    const housingInbox = await api('/api/v1/assists', { token: housing });
    expect(housingInbox.body.assists.map((a: { id: string }) => a.id)).toContain(askHousing.body.assistId);
    const replied = await api(`${housingAssist}/reply`, { method: 'POST', token: housing, body: { reply: 'Foundations are sound; the water comes through the drain' } });
    expect(replied.body).toMatchObject({ state: 'replied' });
    expect((await api(`${housingAssist}/reply`, { method: 'POST', token: housing, body: { reply: 'Again' } })).status).toBe(409);
    // A cooperating unit never closes the case.
    const closeByHousing = await api(ws('/result'), { method: 'POST', token: housing, body: { summary: 'All done by housing', evidence: [photo.body.id] } });
    expect(closeByHousing.status).toBe(403);

    // More time: asked with a reason, granted by the lead; the reply limit moves.
    const earlier = await api(`${worksAssist}/extension`, { method: 'POST', token: works, body: { until: new Date(worksDue.getTime() - 3_600_000).toISOString(), reason: 'Need a camera crew' } });
    expect([earlier.status, earlier.body.errors[0].field]).toEqual([400, 'until']);
    const until = new Date(worksDue.getTime() + 86_400_000);
    expect((await api(`${worksAssist}/extension`, { method: 'POST', token: works, body: { until: until.toISOString(), reason: 'Need a camera crew for the pipes' } })).status).toBe(200);
    expect((await api(`${worksAssist}/extension/decision`, { method: 'POST', token: works, body: { grant: true } })).status).toBe(403);
    const granted = await api(`${worksAssist}/extension/decision`, { method: 'POST', token: lead, body: { grant: true, reason: 'Fine, the survey matters' } });
    expect(granted.body).toMatchObject({ state: 'open' });
    expect((await api(`${worksAssist}/remind`, { method: 'POST', token: lead })).body).toMatchObject({ state: 'open' });
    expect((await api(`${worksAssist}/remind`, { method: 'POST', token: lead })).status).toBe(409);
    await eventually(async () => {
      const r = await api(`/api/v1/clocks/${caseId}`, { token: supervisor });
      const running = (r.body.clocks as Clock[]).find((c) => c.ref === askWorks.body.assistId && c.state === 'running');
      return running && Math.abs(new Date(running.dueAt!).getTime() - until.getTime()) < 1000 ? true : undefined;
    });
    expect((await api(`${worksAssist}/reply`, { method: 'POST', token: works, body: { reply: 'Drain collapsed 20 m from the block; we can rebuild it' } })).status).toBe(200);

    // 会签: every listed unit signs the solution off; an outsider cannot; a rejection needs a reason and sends it back.
    const solution = { solution: 'Public works rebuilds the drain, housing seals the basement walls, water relines the main', units: ['housing', 'public-works'] };
    const round1 = await api(ws('/cosigns'), { method: 'POST', token: lead, body: solution });
    expect(round1.status).toBe(201);
    const decide = (id: string, token: string, body: object) => api(`/api/v1/cosigns/${id}/decision`, { method: 'POST', token, body });
    expect((await decide(round1.body.cosignId, outsider, { decision: 'approve' })).status).toBe(403);
    expect((await decide(round1.body.cosignId, housingHead, { decision: 'approve' })).body).toMatchObject({ state: 'open' });
    expect((await decide(round1.body.cosignId, housingHead, { decision: 'reject', reason: 'Changed our mind' })).status).toBe(409);
    const noReason = await decide(round1.body.cosignId, worksHead, { decision: 'reject' });
    expect([noReason.status, noReason.body.errors[0].field]).toEqual([400, 'reason']);
    expect((await decide(round1.body.cosignId, worksHead, { decision: 'reject', reason: 'The drain needs the water main closed first' })).body).toMatchObject({ state: 'rejected' });
    const round2 = await api(ws('/cosigns'), { method: 'POST', token: lead, body: { ...solution, solution: `${solution.solution}; water closes the main first` } });
    expect((await api('/api/v1/cosigns', { token: worksHead })).body.cosigns.map((c: { id: string }) => c.id)).toEqual([round2.body.cosignId]);
    await decide(round2.body.cosignId, housingHead, { decision: 'approve' });
    expect((await decide(round2.body.cosignId, worksHead, { decision: 'approve' })).body).toMatchObject({ state: 'agreed' });
    await eventually(async () => {
      const r = await api(`/api/v1/clocks/${caseId}`, { token: supervisor });
      return (r.body.clocks as Clock[]).some((c) => c.stage === 'solution' && c.state === 'met') ? true : undefined;
    });

    // 专班: a task force with a three-level tree; member units update their own tasks.
    const force = await api(ws('/task-force'), { method: 'POST', token: leadHead, body: { name: 'Block 7 flooding task force', members: [{ unitId: 'housing' }, { unitId: 'public-works', person: 'head-public-works' }] } });
    expect(force.status).toBe(201);
    expect(force.body.members.map((m: { unitId: string }) => m.unitId)).toEqual(['water', 'housing', 'public-works']);
    const tasks = `/api/v1/task-forces/${force.body.id}/tasks`;
    const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
    const pastGoal = await api(tasks, { method: 'POST', token: lead, body: { title: 'Stop the flooding', ownerUnitId: 'water', dueAt: inDays(-1) } });
    expect([pastGoal.status, pastGoal.body.errors[0].field]).toEqual([400, 'dueAt']);
    const goal = await api(tasks, { method: 'POST', token: lead, body: { title: 'Stop the flooding', ownerUnitId: 'water', dueAt: inDays(30) } });
    const sub = await api(tasks, { method: 'POST', token: lead, body: { parentId: goal.body.id, title: 'Rebuild the drain', ownerUnitId: 'public-works', dueAt: inDays(20) } });
    const action = await api(tasks, { method: 'POST', token: lead, body: { parentId: sub.body.id, title: 'Dig up 20 m of drain', ownerUnitId: 'public-works', owner: 'handler-public-works-a', dueAt: inDays(5) } });
    const action2 = await api(tasks, { method: 'POST', token: lead, body: { parentId: sub.body.id, title: 'Lay new pipe', ownerUnitId: 'public-works', dueAt: inDays(10) } });
    expect([goal.body.level, sub.body.level, action.body.level, action2.status]).toEqual(['goal', 'sub-project', 'action', 201]);
    const fourth = await api(tasks, { method: 'POST', token: lead, body: { parentId: action.body.id, title: 'Too deep', ownerUnitId: 'water', dueAt: inDays(2) } });
    expect([fourth.status, fourth.body.errors[0].field]).toEqual([400, 'parentId']);
    const notMember = await api(tasks, { method: 'POST', token: lead, body: { parentId: goal.body.id, title: 'Traffic plan', ownerUnitId: 'transport', dueAt: inDays(3) } });
    expect([notMember.status, notMember.body.errors[0].field]).toEqual([400, 'ownerUnitId']);
    expect((await api(tasks, { method: 'POST', token: works, body: { title: 'Own goal', ownerUnitId: 'public-works', dueAt: inDays(3) } })).status).toBe(403);
    expect((await api(`${tasks}/${action.body.id}`, { method: 'PATCH', token: housing, body: { progress: 90 } })).status).toBe(403);
    expect((await api(`${tasks}/${action.body.id}`, { method: 'PATCH', token: works, body: { state: 'done', note: 'Trench dug' } })).body).toMatchObject({ progress: 100, state: 'done' });
    expect((await api(`${tasks}/${action2.body.id}`, { method: 'PATCH', token: works, body: { progress: 40, note: 'Pipes delivered' } })).body).toMatchObject({ progress: 40 });
    const tree = await api(`/api/v1/task-forces/${force.body.id}`, { token: housing });
    expect(tree.body.tree[0]).toMatchObject({ title: 'Stop the flooding', progress: 70, children: [expect.objectContaining({ title: 'Rebuild the drain', progress: 70 })] });
    expect(tree.body.progress).toBe(70);
    const weekly = await api(`/api/v1/task-forces/${force.body.id}/weekly-summary`, { token: supervisor });
    expect(weekly.status).toBe(200);
    expect(weekly.body.completed.map((t: { title: string }) => t.title)).toEqual(['Dig up 20 m of drain']);
    expect(weekly.body.progressed).toEqual(expect.arrayContaining([expect.objectContaining({ title: 'Lay new pipe', from: 0, to: 40, notes: ['Pipes delivered'] })]));
    expect(weekly.body.markdown).toContain('周调度');
    expect((await api(`/api/v1/task-forces/${force.body.id}/weekly-summary`, { token: outsider })).status).toBe(404);

    // 反馈 with evidence, reviewed outside the unit: a rejection sends it back with a yellow card, then it is accepted.
    const noEvidence = await api(ws('/result'), { method: 'POST', token: lead, body: { summary: 'Drain rebuilt, walls sealed', evidence: [] } });
    expect([noEvidence.status, noEvidence.body.errors[0].field]).toEqual([400, 'evidence']);
    const evidence = await upload(lead, caseId, 'after.png', 'image/png', PNG);
    const submitted = await api(ws('/result'), { method: 'POST', token: lead, body: { summary: 'Drain rebuilt, walls sealed, main relined', evidence: [evidence.body.id] } });
    expect(submitted.body).toMatchObject({ state: 'result-submitted' });
    expect((await api(ws('/result/review'), { method: 'POST', token: leadHead, body: { decision: 'accept' } })).status).toBe(403);
    const bare = await api(ws('/result/review'), { method: 'POST', token: operator, body: { decision: 'reject' } });
    expect([bare.status, bare.body.errors[0].field]).toEqual([400, 'reason']);
    expect((await api(ws('/result/review'), { method: 'POST', token: operator, body: { decision: 'reject', reason: 'The reporter says the basement still floods' } })).body).toMatchObject({ state: 'in-progress' });
    await eventually(async () => {
      const cards = await api('/api/v1/cards?unitId=water', { token: supervisor });
      return cards.body.cards.some((c: { caseId: string; reason: string }) => c.caseId === caseId && c.reason.startsWith('result rejected')) ? true : undefined;
    });
    const evidence2 = await upload(lead, caseId, 'after-rain.png', 'image/png', PNG);
    await api(ws('/result'), { method: 'POST', token: lead, body: { summary: 'Resealed; dry after the next rain', evidence: [evidence2.body.id] } });
    expect((await api(ws('/result/review'), { method: 'POST', token: operator, body: { decision: 'accept' } })).body).toMatchObject({ state: 'resolved' });

    // What the reporter and the supervisors see.
    const view = await eventually(async () => {
      const r = await api(`/api/v1/cases/${caseId}`, { token: supervisor });
      return r.body.status === 'resolved' ? r.body : undefined;
    });
    const types: string[] = view.timeline.map((t: { type: string }) => t.type);
    expect(types).toEqual(expect.arrayContaining(['case.accepted', 'case.progressed', 'assist.requested', 'assist.replied', 'assist.extension-decided', 'case.cosign-decided', 'case.cosigned', 'taskforce.formed', 'case.result-rejected', 'case.resolved']));
    const trail = await api(ws('/trail'), { token: supervisor });
    const actions: string[] = trail.body.entries.map((e: { action: string }) => e.action);
    expect(actions.slice(0, 2)).toEqual(['workspace-opened', 'sign-for']);
    expect(actions).toEqual(expect.arrayContaining(['cosign-rejected', 'cosign-approved', 'assist-extension-decided', 'result-rejected', 'result-accepted']));
    expect(actions.filter((a) => a === 'cosign-approved')).toHaveLength(3);
    // Unrelated units see nothing of the workspace.
    expect((await api(ws(), { token: outsider })).status).toBe(404);
  });
});
