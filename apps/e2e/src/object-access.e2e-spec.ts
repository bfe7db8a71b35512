import { randomUUID } from 'node:crypto';
import { api, distinct, eventually, onRiskBoard, stack, tokenFor } from '@duban/testing';

jest.setTimeout(180_000);

type Schema = { type?: string; properties?: Record<string, Schema>; required?: string[]; items?: Schema; minItems?: number; anyOf?: Schema[]; const?: unknown; pattern?: string; format?: string; minimum?: number; minLength?: number; maxLength?: number };

const PATTERN_SAMPLES: [RegExp, string][] = [
  [/\^\(\[01\]/, '09:00'],
  [/\^\[a-z0-9\]\[a-z0-9-\]/, 'parks'],
  [/\^\\\+\?\[0-9\]/, '+8613800000000'],
  [/\^\[a-z\]\[a-z0-9-\]\*\\\./, 'water.leak'],
];

/** A value the schema accepts, so that what answers is the authorization, not the validation. */
function sample(s: Schema, name = ''): unknown {
  if (s.const !== undefined) return s.const;
  if (s.anyOf?.length) return sample(s.anyOf[0], name);
  switch (s.type) {
    case 'object':
      return Object.fromEntries((s.required ?? []).map((k) => [k, sample(s.properties![k], k)]));
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(s.items ?? { type: 'string' }, name));
    case 'integer':
    case 'number':
      return Math.max(s.minimum ?? 1, 1);
    case 'boolean':
      return true;
    default: {
      if (s.format === 'uuid' || /^\^\[0-9a-f\]\{8\}/.test(s.pattern ?? '')) return randomUUID();
      if (s.format === 'date-time' || /At$|until$/i.test(name)) return new Date(Date.now() + 7 * 86_400_000).toISOString();
      const known = PATTERN_SAMPLES.find(([re]) => re.test(s.pattern ?? ''));
      if (known) return known[1];
      return 'x'.repeat(Math.max(s.minLength ?? 1, Math.min(s.maxLength ?? 12, 12)));
    }
  }
}

type Doc = { paths: Record<string, Record<string, { requestBody?: { content: { 'application/json': { schema: Schema } } } }>> };

/** Every operation of the public API that takes a case id, from the gateway's OpenAPI document. */
async function caseOperations() {
  const doc = (await (await fetch(`${stack.gatewayUrl}/openapi.json`)).json()) as Doc;
  return Object.entries(doc.paths)
    .filter(([path]) => /\{caseId\}|^\/api\/v1\/cases\/\{id\}/.test(path))
    .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
}

/** Calls every such operation on the case, with a valid body, as each person; answers `METHOD path by who: status`. */
async function probe(caseId: string, people: (readonly [string, string])[]): Promise<string[]> {
  const operations = await caseOperations();
  expect(operations.length).toBeGreaterThanOrEqual(20);
  const answers: string[] = [];
  for (const { path, method, op } of operations) {
    const url = path.replace(/\{caseId\}|\{id\}/, caseId).replace(/\{[A-Za-z]+\}/g, randomUUID());
    const schema = op.requestBody?.content['application/json'].schema;
    const isUpload = path.endsWith('/attachments') && method === 'post';
    for (const [who, token] of people) {
      const r = isUpload
        ? await fetch(`${stack.gatewayUrl}${url}?name=x.png`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) })
        : await fetch(`${stack.gatewayUrl}${url}`, {
            method: method.toUpperCase(),
            headers: { authorization: `Bearer ${token}`, ...(schema || method !== 'get' ? { 'content-type': 'application/json' } : {}) },
            ...(method !== 'get' ? { body: JSON.stringify(schema ? sample(schema) : {}) } : {}),
          });
      answers.push(`${method.toUpperCase()} ${path} by ${who}: ${r.status}`);
    }
  }
  if (process.env.SHOW_ANSWERS) console.log(answers.join('\n'));
  return answers;
}

/**
 * Nothing any of these people sent was accepted, in any service that owns a case operation: each
 * service's audit trail since `since` holds their requests (refusals are audited too) and none
 * below 400. Stronger than comparing one view: effects that would surface later are excluded too.
 */
async function noneAccepted(people: string[], since: string): Promise<void> {
  const supervisor = await tokenFor('supervisor1');
  const services = ['intake', 'dispatch', 'collaboration', 'assessment'];
  for (const actor of people) {
    // Entries are written within a second of each request: read until two readings agree.
    let previous = -1;
    const entries = await eventually(
      async () => {
        const lists = await Promise.all(
          services.map(async (service) => {
            const r = await api(`/api/v1/audit/${service}?actor=${actor}&from=${encodeURIComponent(since)}`, { token: supervisor });
            return (r.body.entries as { status: number; method: string; path: string }[]).map((e) => ({ ...e, service }));
          }),
        );
        const all = lists.flat();
        const settled = all.length > 0 && all.length === previous;
        previous = all.length;
        return settled ? all : undefined;
      },
      30_000,
      1_200,
    );
    expect([actor, entries.filter((e) => e.status < 400).map((e) => `${e.service}: ${e.method} ${e.path} ${e.status}`)]).toEqual([actor, []]);
  }
}

/** What a change would show: status, unit, assignee and the length of the timeline. */
async function state(caseId: string, token: string) {
  const c = (await api(`/api/v1/cases/${caseId}`, { token })).body;
  return { status: c.status, unitId: c.unitId, assignee: c.assignee, confidentiality: c.confidentiality, events: c.timeline.length };
}

/** Files a hotline case (its reporter is the caller, not citizen1) and waits until its clock runs. */
async function fileCase(operator: string, supervisor: string, extra: Record<string, unknown> = {}) {
  const filed = await api('/api/v1/cases', {
    method: 'POST',
    token: operator,
    body: { title: 'Broken streetlight', description: distinct('The light at the corner has been out for a week'), category: 'public-works.streetlight', channel: 'hotline', caller: { name: 'Wang Fang' }, ...extra },
  });
  expect(filed.status).toBe(201);
  const caseId: string = filed.body.id;
  const unitId: string = await eventually(async () => (await api(`/api/v1/cases/${caseId}`, { token: supervisor })).body.unitId ?? undefined);
  await eventually(async () => ((await api(`/api/v1/clocks/${caseId}`, { token: supervisor })).status === 200 ? true : undefined));
  return { caseId, unitId };
}

/**
 * For every operation of the public API that takes a case id (read from /openapi.json): a handler
 * of another unit, a reporter who does not own the case and a person of the responsible unit whose
 * clearance is below the case's are refused — 403 or 404 — and the case is unchanged afterwards
 * (OWASP API1 / API5; docs/security.md).
 */
describe('every endpoint that takes a case id, from people who must not reach the case', () => {
  it('refuses another unit and a reporter who is not the owner, with no side effect', async () => {
    const [operator, supervisor, citizen] = await Promise.all(['operator1', 'supervisor1', 'citizen1'].map((u) => tokenFor(u)));
    const { caseId, unitId } = await fileCase(operator, supervisor);
    const outsiderName = unitId === 'parks' ? 'handler-water-a' : 'handler-parks-a';
    const outsider = await tokenFor(outsiderName);
    const before = await state(caseId, supervisor);

    const since = new Date().toISOString();
    const answers = await probe(caseId, [
      ['other unit', outsider],
      ['not the reporter', citizen],
    ]);
    expect(answers.filter((a) => !/: (403|404)$/.test(a))).toEqual([]);
    // Somebody else's case answers exactly as a case that does not exist (docs/security.md): a 403
    // only where the route is closed to the person whatever the id (their role), never one that
    // says the case exists or who leads it.
    const nothing = await probe(randomUUID(), [
      ['other unit', outsider],
      ['not the reporter', citizen],
    ]);
    expect(answers.flatMap((a, i) => (a === nothing[i] ? [] : [`${a} (a made-up id: ${nothing[i]?.split(': ').pop()})`]))).toEqual([]);
    expect(await state(caseId, supervisor)).toEqual(before);
    await noneAccepted([outsiderName, 'citizen1'], since);
  });

  it('refuses a person of the responsible unit below the case\'s confidentiality, with no side effect, and lets a cleared one in', async () => {
    const [operator, supervisor] = await Promise.all(['operator1', 'supervisor1'].map((u) => tokenFor(u)));
    // A secret case: operator1 and supervisor1 are cleared for secret, the unit's handlers for internal only.
    const { caseId, unitId } = await fileCase(operator, supervisor, { confidentiality: 'secret' });
    const [handler, head] = await Promise.all([tokenFor(`handler-${unitId}-a`), tokenFor(`head-${unitId}`)]);
    const before = await state(caseId, supervisor);
    expect(before.confidentiality).toBe('secret');
    // Dispatch never gives it to a person who could not open it: it waits in the unit's queue.
    expect(before.assignee).toBeNull();

    const since = new Date().toISOString();
    const answers = await probe(caseId, [['lower clearance, same unit', handler]]);
    expect(answers.filter((a) => !/: (403|404)$/.test(a))).toEqual([]);
    expect(await state(caseId, supervisor)).toEqual(before);
    await noneAccepted([`handler-${unitId}-a`], since);

    // The unit head (secret) reaches the case, its workspace and its clock; the handler's lists leave it out.
    for (const path of [`/api/v1/cases/${caseId}`, `/api/v1/workspaces/${caseId}`, `/api/v1/clocks/${caseId}`, `/api/v1/assignments/${caseId}`]) {
      expect([path, (await api(path, { token: head })).status]).toEqual([path, 200]);
    }
    const lists = async (token: string) => ({
      workspaces: (await api('/api/v1/workspaces', { token })).body.workspaces.some((w: { caseId: string }) => w.caseId === caseId),
      risk: await onRiskBoard(token, caseId),
    });
    // The board is read from kept scores: the case is on it once the scorer has run.
    await eventually(async () => (await onRiskBoard(head, caseId)) || undefined);
    expect(await lists(head)).toEqual({ workspaces: true, risk: true });
    expect(await lists(handler)).toEqual({ workspaces: false, risk: false });
  });
});

describe('confidentiality of a case', () => {
  it('is set within the filer\'s clearance, changed with a reason by someone cleared for both levels, and followed by every service', async () => {
    const [operator, supervisor, dispatcher, citizen, assessor] = await Promise.all(['operator1', 'supervisor1', 'dispatcher1', 'citizen1', 'assessor1'].map((u) => tokenFor(u)));
    // A reporter may ask for a private report, not for a secret one; staff up to their clearance.
    const body = { title: 'Noise at night', description: distinct('Construction noise after 22:00 every night'), category: 'environment.noise' };
    const secretByCitizen = await api('/api/v1/cases', { method: 'POST', token: citizen, body: { ...body, confidentiality: 'secret' } });
    expect([secretByCitizen.status, secretByCitizen.body.errors?.[0]?.field]).toEqual([403, 'confidentiality']);
    const bad = await api('/api/v1/cases', { method: 'POST', token: citizen, body: { ...body, confidentiality: 'classified' } });
    expect([bad.status, bad.body.errors?.[0]?.field]).toEqual([400, 'confidentiality']);
    const privateReport = await api('/api/v1/cases', { method: 'POST', token: citizen, body: { ...body, confidentiality: 'internal' } });
    expect([privateReport.status, privateReport.body.confidentiality]).toEqual([201, 'internal']);
    // Its reporter still sees it (a reporter is never held to a clearance for their own case); the public Open311 feed does not.
    expect((await api(`/api/v1/cases/${privateReport.body.id}`, { token: citizen })).status).toBe(200);
    const publicReport = await api('/api/v1/cases', { method: 'POST', token: citizen, body: { ...body, description: distinct('Construction noise after 23:00 on weekdays') } });
    const inFeed = async (id: string) => (await fetch(`${stack.gatewayUrl}/open311/v2/requests/${id}.json`)).status;
    expect([await inFeed(publicReport.body.id), await inFeed(privateReport.body.id)]).toEqual([200, 404]);

    // A public case goes secret: its unit's handler loses it in every service once they have heard.
    const { caseId, unitId } = await fileCase(operator, supervisor);
    const handler = await tokenFor(`handler-${unitId}-a`);
    expect((await api(`/api/v1/workspaces/${caseId}`, { token: handler })).status).toBe(200);
    const byAssessor = await api(`/api/v1/cases/${caseId}/confidentiality`, { method: 'POST', token: assessor, body: { level: 'secret', reason: 'names a witness' } });
    expect(byAssessor.status).toBe(403);
    const noReason = await api(`/api/v1/cases/${caseId}/confidentiality`, { method: 'POST', token: dispatcher, body: { level: 'secret' } });
    expect([noReason.status, noReason.body.errors?.[0]?.field]).toEqual([400, 'reason']);
    const changed = await api(`/api/v1/cases/${caseId}/confidentiality`, { method: 'POST', token: dispatcher, body: { level: 'secret', reason: 'names a witness' } });
    expect([changed.status, changed.body.confidentiality]).toEqual([200, 'secret']);
    expect(changed.body.timeline.some((t: { type: string; summary: string }) => t.type === 'case.confidentiality-changed' && /from public to secret: names a witness/.test(t.summary))).toBe(true);
    const again = await api(`/api/v1/cases/${caseId}/confidentiality`, { method: 'POST', token: dispatcher, body: { level: 'secret', reason: 'again' } });
    expect([again.status, again.body.errors?.[0]?.field]).toEqual([400, 'level']);

    const reach = async () =>
      Promise.all([`/api/v1/cases/${caseId}`, `/api/v1/assignments/${caseId}`, `/api/v1/workspaces/${caseId}`, `/api/v1/clocks/${caseId}`, `/api/v1/risk/${caseId}`].map(async (p) => (await api(p, { token: handler })).status));
    await eventually(async () => ((await reach()).every((s) => s === 404) ? true : undefined));

    // Back to internal: the handler (internal) reaches it again.
    const back = await api(`/api/v1/cases/${caseId}/confidentiality`, { method: 'POST', token: supervisor, body: { level: 'internal', reason: 'witness consented' } });
    expect(back.status).toBe(200);
    await eventually(async () => ((await reach()).slice(0, 4).every((s) => s === 200) ? true : undefined));
  });
});

describe('a restricted case and people of lower clearance', () => {
  it('is never the original of a report its filer may not see, and a supervisor below its level cannot put it under supervision', async () => {
    const [operator, supervisor, supervisor2, citizen] = await Promise.all(['operator1', 'supervisor1', 'supervisor2', 'citizen1'].map((u) => tokenFor(u)));
    const point = { lat: 42.355 + Math.random() * 0.01, lon: -71.065 + Math.random() * 0.01 };
    const where = { category: 'waste.bulky-item', location: { point } };
    const secret = await fileCase(operator, supervisor, { title: 'Dumped drums of oil', ...where, confidentiality: 'secret' });
    // The same matter at the same place, reported publicly: handled on its own, not linked to the secret case.
    const report = await api('/api/v1/cases', { method: 'POST', token: citizen, body: { title: 'Dumped drums', description: distinct('Drums of oil dumped on the corner'), ...where } });
    expect([report.status, report.body.duplicateOf]).toEqual([201, null]);
    // A supervision order names its case in the body: below the case's level, the case is not there.
    const order = { dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(), reason: 'Clear it this week' };
    const refused = await api('/api/v1/supervision-orders', { method: 'POST', token: supervisor2, body: { ...order, caseId: secret.caseId } });
    expect(refused.status).toBe(404);
    expect((await api(`/api/v1/supervision-orders?caseId=${secret.caseId}`, { token: supervisor })).body.orders).toEqual([]);
    const allowed = await api('/api/v1/supervision-orders', { method: 'POST', token: supervisor, body: { ...order, caseId: secret.caseId } });
    expect(allowed.status).toBe(201);
    expect((await api(`/api/v1/supervision-orders?caseId=${secret.caseId}`, { token: supervisor2 })).body.orders).toEqual([]);
  });
});

describe('the unit tree', () => {
  it('lets the head of a unit above the responsible one see and act on its cases, and no other head; the audit trail names their own unit', async () => {
    const [operator, supervisor, districtHead, otherDistrictHead, subdistrictHandler] = await Promise.all(
      ['operator1', 'supervisor1', 'head-hudong', 'head-huxi', 'handler-hudong-wanghu-a'].map((u) => tokenFor(u)),
    );
    const started = new Date().toISOString();
    // A street matter at a point in Wanghu goes to the Wanghu subdistrict office (属地), below the Hudong district.
    const point = { lat: 42.35 + Math.random() * 0.05, lon: -71.095 + Math.random() * 0.025 };
    const { caseId, unitId } = await fileCase(operator, supervisor, { title: 'Rubbish on the pavement', category: 'urban.street-cleaning', location: { point } });
    expect(unitId).toBe('hudong-wanghu');
    const reach = async (token: string) =>
      Promise.all([`/api/v1/cases/${caseId}`, `/api/v1/assignments/${caseId}`, `/api/v1/workspaces/${caseId}`, `/api/v1/clocks/${caseId}`].map(async (p) => (await api(p, { token })).status));
    expect(await reach(districtHead)).toEqual([200, 200, 200, 200]);
    expect(await reach(otherDistrictHead)).toEqual([404, 404, 404, 404]);
    // Their lists hold the subdistrict's case too: the workspaces and the early-warning board.
    const lists = async (token: string) => ({
      workspaces: (await api('/api/v1/workspaces', { token })).body.workspaces.some((w: { caseId: string }) => w.caseId === caseId),
      risk: await onRiskBoard(token, caseId),
    });
    await eventually(async () => (await onRiskBoard(districtHead, caseId)) || undefined);
    expect(await lists(districtHead)).toEqual({ workspaces: true, risk: true });
    expect(await lists(otherDistrictHead)).toEqual({ workspaces: false, risk: false });
    // The district head signs for it as the head of the subdistrict would; the head of another district cannot.
    expect([403, 404]).toContain((await api(`/api/v1/workspaces/${caseId}/sign-for`, { method: 'POST', token: otherDistrictHead })).status);
    const signed = await api(`/api/v1/workspaces/${caseId}/sign-for`, { method: 'POST', token: districtHead });
    expect(signed.status).toBe(200);
    expect((await api(`/api/v1/workspaces/${caseId}`, { token: subdistrictHandler })).body.workspace.state).toBe('in-progress');
    const entry = await eventually(async () => {
      const r = await api(`/api/v1/audit/collaboration?actor=head-hudong&from=${encodeURIComponent(started)}`, { token: supervisor });
      return r.body.entries?.find((e: { path: string; status: number }) => e.path === `/api/v1/workspaces/${caseId}/sign-for` && e.status === 200);
    });
    expect(entry).toMatchObject({ actor: 'head-hudong', unit_id: 'hudong' });
  });
});
