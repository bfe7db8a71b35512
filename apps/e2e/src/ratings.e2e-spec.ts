import { api, distinct, eventually, stack, tokenFor } from '@duban/testing';

jest.setTimeout(180_000);

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

describe('a resolved case rated by its reporter, reopened by dissatisfaction, and rated again through a signed link', () => {
  it('rates, rebounds, reworks, rates by link and counts it all in the unit month — refusing bad ratings with nothing changed', async () => {
    const [citizen, operator, supervisor, assessor, stranger] = await Promise.all(['citizen1', 'operator1', 'supervisor1', 'assessor1', 'handler-parks-a'].map((u) => tokenFor(u)));
    const filed = await api('/api/v1/cases', {
      method: 'POST',
      token: citizen,
      body: { title: 'Broken railing on the footbridge', description: distinct('The railing on the east footbridge is loose and children lean on it'), category: 'housing.repair' },
    });
    expect(filed.status).toBe(201);
    const caseId: string = filed.body.id;
    const unitId: string = await eventually(async () => (await api(`/api/v1/cases/${caseId}`, { token: citizen })).body.unitId ?? undefined);
    const handler = await tokenFor(`handler-${unitId}-a`);
    const ws = (path = '') => `/api/v1/workspaces/${caseId}${path}`;
    await eventually(async () => ((await api(ws(), { token: handler })).status === 200 ? true : undefined));
    const rating = `/api/v1/assessment/ratings/${caseId}`;

    // Not resolved yet: no rating.
    const early = await api(rating, { method: 'POST', token: citizen, body: { level: 'satisfied' } });
    expect(early.status).toBe(409);

    const resolve = async (summary: string) => {
      const photo = await fetch(`${stack.gatewayUrl}${ws('/attachments')}?name=fixed.png`, {
        method: 'POST',
        headers: { authorization: `Bearer ${handler}`, 'content-type': 'image/png' },
        body: PNG,
      });
      const evidence = ((await photo.json()) as { id: string }).id;
      expect((await api(ws('/result'), { method: 'POST', token: handler, body: { summary, evidence: [evidence] } })).status).toBe(201);
      expect((await api(ws('/result/review'), { method: 'POST', token: operator, body: { decision: 'accept' } })).body).toMatchObject({ state: 'resolved' });
    };
    expect((await api(ws('/sign-for'), { method: 'POST', token: handler })).status).toBe(200);
    await resolve('Railing bolted back on');
    await eventually(async () => ((await api(rating, { token: citizen })).body.awaiting ? true : undefined));

    // Bad ratings change nothing: another person's case, an unknown level, an unknown field.
    expect((await api(rating, { method: 'POST', token: stranger, body: { level: 'very-satisfied' } })).status).toBe(404);
    const level = await api(rating, { method: 'POST', token: citizen, body: { level: 'meh' } });
    expect([level.status, level.body.errors[0].field]).toEqual([400, 'level']);
    const extra = await api(rating, { method: 'POST', token: citizen, body: { level: 'satisfied', score: 100 } });
    expect([extra.status, extra.body.errors[0].field]).toEqual([400, 'score']);
    expect((await api(rating, { token: citizen })).body.ratings).toEqual([]);

    // Dissatisfied: a rebound — the case is open again at its unit, whose workspace is back in progress.
    const unhappy = await api(rating, { method: 'POST', token: citizen, body: { level: 'dissatisfied', comment: 'It is loose again after one day' } });
    expect(unhappy.status).toBe(201);
    expect(unhappy.body).toMatchObject({ round: 1, level: 'dissatisfied', score: 25, rebound: true });
    expect((await api(rating, { method: 'POST', token: citizen, body: { level: 'satisfied' } })).status).toBe(409);
    await eventually(async () => ((await api(ws(), { token: handler })).body.workspace.state === 'in-progress' ? true : undefined));
    const reopened = await eventually(async () => {
      const r = await api(`/api/v1/cases/${caseId}`, { token: citizen });
      return r.body.timeline.some((t: { type: string }) => t.type === 'case.rebounded') ? r.body : undefined;
    });
    expect(reopened.status).toBe('in-progress');
    const trail = await api(ws('/trail'), { token: supervisor });
    expect(trail.body.entries.map((e: { action: string }) => e.action)).toContain('rebound');
    await eventually(async () => {
      const clocks = (await api(`/api/v1/clocks/${caseId}`, { token: supervisor })).body.clocks as { policy: string; state: string }[];
      return clocks.some((c) => c.policy.endsWith('.rework') && c.state === 'running') ? true : undefined;
    });

    // Reworked and resolved again: the operator sends a signed link; it works without an account, once.
    await resolve('Railing replaced with a welded one');
    const link = await eventually(async () => {
      const r = await api(`${rating}/link`, { method: 'POST', token: operator });
      return r.status === 201 && r.body.round === 2 ? r.body : undefined;
    });
    expect((await api(`${rating}/link`, { method: 'POST', token: citizen })).status).toBe(403);
    const byLink = (token: string, body: object) =>
      fetch(`${stack.gatewayUrl}/api/v1/ratings/by-link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, ...body }) });
    const forged = await byLink(`${link.token.slice(0, -4)}AAAA`, { level: 'very-satisfied' });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { errors: { field: string }[] }).errors[0].field).toBe('token');
    const happy = await byLink(link.token, { level: 'very-satisfied' });
    expect(happy.status).toBe(201);
    expect(await happy.json()).toMatchObject({ round: 2, score: 100, via: 'link', rebound: false });
    expect((await byLink(link.token, { level: 'very-satisfied' })).status).toBe(409);

    // 回访: two revisits planned for the satisfied resolution; after both, the case is closed and archived.
    const planned = await eventually(async () => {
      const r = await api(`/api/v1/assessment/revisits?caseId=${caseId}`, { token: operator });
      return r.body.revisits?.length === 2 ? r.body.revisits : undefined;
    });
    expect(planned.map((v: { afterDays: number; round: number }) => [v.afterDays, v.round])).toEqual([
      [30, 2],
      [90, 2],
    ]);
    expect((await api(`/api/v1/assessment/revisits/${planned[0].id}`, { method: 'POST', token: handler, body: { outcome: 'resolved' } })).status).toBe(403);
    const noNote = await api(`/api/v1/assessment/revisits/${planned[0].id}`, { method: 'POST', token: operator, body: { outcome: 'recurred' } });
    expect([noNote.status, noNote.body.errors[0].field]).toEqual([400, 'note']);
    expect((await api(`/api/v1/assessment/revisits/${planned[0].id}`, { method: 'POST', token: operator, body: { outcome: 'resolved' } })).body).toMatchObject({ closed: false });
    expect((await api(`/api/v1/assessment/revisits/${planned[1].id}`, { method: 'POST', token: operator, body: { outcome: 'unreachable', note: 'No answer three times' } })).body).toMatchObject({ closed: true });
    await eventually(async () => ((await api(`/api/v1/cases/${caseId}`, { token: citizen })).body.status === 'closed' ? true : undefined));

    // Both ratings are kept; the unit's month counts two resolutions, two ratings and one rebound of this case.
    const ratings = await api(rating, { token: assessor });
    expect(ratings.body.ratings.map((r: { round: number; level: string; via: string }) => [r.round, r.level, r.via])).toEqual([
      [1, 'dissatisfied', 'api'],
      [2, 'very-satisfied', 'link'],
    ]);
    const figures = await api(`/api/v1/assessment/units/${unitId}/kpis?period=month`, { token: assessor });
    expect(figures.status).toBe(200);
    expect(figures.body.counters.resolved).toBeGreaterThanOrEqual(2);
    expect(figures.body.counters.rebounds).toBeGreaterThanOrEqual(1);
    expect(figures.body.counters.responses).toBeGreaterThanOrEqual(1);
    expect(figures.body.kpis.satisfaction).toEqual(expect.any(Number));
    expect(figures.body.efficiencyIndex).toEqual(expect.any(Number));
    expect(figures.body).toMatchObject({ openWithinLimit: expect.any(Number), onTimeRateNow: expect.any(Number) });
    const ranking = await api('/api/v1/assessment/rankings?period=month', { token: assessor });
    expect(ranking.body.units.find((u: { unitId: string }) => u.unitId === unitId)).toMatchObject({ rank: expect.any(Number), index: figures.body.efficiencyIndex });
    expect((await api('/api/v1/assessment/rankings', { token: handler })).status).toBe(403);
    // Per person: the handler who signed for and resolved it; their unit's head sees the unit's people.
    const mine = await api(`/api/v1/assessment/people/handler-${unitId}-a/kpis?period=month`, { token: handler });
    expect(mine.body.counters.resolved).toBeGreaterThanOrEqual(2);
    expect(mine.body.counters.ratings).toBeGreaterThanOrEqual(2);
    const head = await tokenFor(`head-${unitId}`);
    const team = await api(`/api/v1/assessment/units/${unitId}/people?period=month`, { token: head });
    expect(team.body.people.map((p: { username: string }) => p.username)).toContain(`handler-${unitId}-a`);
    expect((await api(`/api/v1/assessment/people/handler-${unitId}-a/kpis`, { token: stranger })).status).toBe(403);

    // The quarterly report: JSON, printable HTML with inline charts, and CSV per table.
    const report = await api('/api/v1/assessment/reports/quarterly?format=json', { token: assessor });
    expect(report.body.units.map((u: { unitId: string }) => u.unitId)).toContain(unitId);
    expect(report.body.recommendations.length).toBeGreaterThanOrEqual(1);
    const html = await fetch(`${stack.gatewayUrl}/api/v1/assessment/reports/quarterly`, { headers: { authorization: `Bearer ${assessor}` } });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toContain('<svg');
    const pdf = await fetch(`${stack.gatewayUrl}/api/v1/assessment/reports/quarterly?format=pdf`, { headers: { authorization: `Bearer ${assessor}` } });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    const csv = await fetch(`${stack.gatewayUrl}/api/v1/assessment/reports/quarterly?format=csv&table=units`, { headers: { authorization: `Bearer ${assessor}` } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await csv.text()).split('\r\n')[0]).toMatch(/^rank,unit,index,/);
    expect((await api('/api/v1/assessment/reports/quarterly?format=csv', { token: assessor })).body.errors[0].field).toBe('table');
    expect((await api('/api/v1/assessment/reports/quarterly', { token: handler })).status).toBe(403);
    expect((await api(`/api/v1/assessment/units/${unitId}/kpis?period=fortnight`, { token: assessor })).body.errors[0].field).toBe('period');
    expect((await api(`/api/v1/assessment/units/${unitId}/kpis?at=2026-02-30`, { token: assessor })).body.errors[0].field).toBe('at');
  });
});
