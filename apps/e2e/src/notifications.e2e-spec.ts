import { api, distinct, eventually, stack, tokenFor } from '@duban/testing';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';

jest.setTimeout(120_000);

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => resolve(text));
  });

describe('subscriptions through the gateway, delivered by the notification service to a local receiver', () => {
  let server: Server;
  let base: string;
  const got: { path: string; body: string; headers: IncomingMessage['headers'] }[] = [];

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      got.push({ path: req.url ?? '', body: await read(req), headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('sends a signed webhook and a DingTalk message for a new case, refuses bad subscriptions by field, and logs the delivery', async () => {
    const [supervisor, handler, citizen] = await Promise.all(['supervisor1', 'handler-housing-a', 'citizen1'].map((u) => tokenFor(u)));
    const secret = 'e2e-webhook-secret';
    const sub = (token: string, body: object) => api('/api/v1/notifications/subscriptions', { method: 'POST', token, body });

    const insecure = await sub(supervisor, { eventTypes: ['case.assigned'], channel: 'webhook', target: 'http://hooks.example.org/x', secret, allUnits: true });
    expect([insecure.status, insecure.body.errors[0].field]).toEqual([400, 'target']);
    const unsigned = await sub(supervisor, { eventTypes: ['case.assigned'], channel: 'webhook', target: `${base}/hook`, allUnits: true });
    expect([unsigned.status, unsigned.body.errors[0].field]).toEqual([400, 'secret']);
    const everyUnit = await sub(handler, { eventTypes: ['case.assigned'], channel: 'in-app', allUnits: true });
    expect([everyUnit.status, everyUnit.body.errors[0].field]).toEqual([400, 'allUnits']);
    const unknown = await sub(supervisor, { eventTypes: ['case.teleported'], channel: 'in-app', allUnits: true });
    expect(unknown.status).toBe(400);

    const badQuiet = await sub(supervisor, { eventTypes: ['daily-digest'], channel: 'in-app', allUnits: true, quietHours: 'sometimes' });
    expect(badQuiet.status).toBe(400);
    const offDuty = await sub(supervisor, { eventTypes: ['daily-digest'], channel: 'in-app', allUnits: true, quietHours: 'off-duty' });
    expect(offDuty.status).toBe(201);
    const listed = await api('/api/v1/notifications/subscriptions', { token: supervisor });
    expect(listed.body.subscriptions.find((x: { id: string }) => x.id === offDuty.body.id)).toMatchObject({ quietHours: 'off-duty', eventTypes: ['daily-digest'] });
    expect((await api(`/api/v1/notifications/subscriptions/${offDuty.body.id}`, { method: 'DELETE', token: supervisor })).status).toBe(204);

    const hook = await sub(supervisor, { eventTypes: ['case.assigned'], channel: 'webhook', target: `${base}/hook`, secret, allUnits: true, locale: 'en' });
    expect(hook.status).toBe(201);
    const ding = await sub(supervisor, { eventTypes: ['case.assigned'], channel: 'dingtalk', target: `${base}/robot/send?access_token=T`, secret: 'SECding-e2e', allUnits: true });
    expect(ding.status).toBe(201);
    try {
      const filed = await api('/api/v1/cases', { method: 'POST', token: citizen, body: { title: 'Broken stairs', description: distinct('The stairs of block 3 are broken'), category: 'housing.repair' } });
      const caseId: string = filed.body.id;
      const [webhook, robot] = await eventually(async () => {
        const w = got.find((g) => g.path === '/hook' && g.body.includes(caseId));
        const r = got.find((g) => g.path.startsWith('/robot/send') && g.body.includes(caseId.slice(0, 8)));
        return w && r ? [w, r] : undefined;
      });
      const ts = String(webhook.headers['x-duban-timestamp']);
      expect(webhook.headers['x-duban-signature']).toBe(`v1=${createHmac('sha256', secret).update(`${ts}.${webhook.body}`).digest('hex')}`);
      expect(JSON.parse(webhook.body)).toMatchObject({ type: 'case.assigned', caseId, title: `New case ${caseId.slice(0, 8)}` });
      const url = new URL(robot.path, base);
      const sign = createHmac('sha256', 'SECding-e2e').update(`${url.searchParams.get('timestamp')}\nSECding-e2e`).digest('base64');
      expect(url.searchParams.get('sign')).toBe(sign);
      expect(JSON.parse(robot.body)).toMatchObject({ msgtype: 'text', text: { content: expect.stringContaining('新案件') } });
      const log = await eventually(async () => {
        const r = await api('/api/v1/notifications/deliveries?state=sent', { token: supervisor });
        const mine = r.body.messages.filter((m: { caseId: string }) => m.caseId === caseId);
        return mine.length === 2 ? mine : undefined;
      });
      expect(log[0].log.map((l: { outcome: string }) => l.outcome)).toEqual(['queued', 'delivered']);

      // A case that is not public leaves the building without details: the reference only.
      const detailed = JSON.parse(webhook.body) as { text: string };
      expect(detailed.text).toContain('was assigned to');
      const restricted = await api('/api/v1/cases', {
        method: 'POST',
        token: citizen,
        body: { title: 'Broken stairs', description: distinct('Private report: the stairs of block 5 are broken'), category: 'housing.repair', confidentiality: 'internal' },
      });
      expect(restricted.status).toBe(201);
      const withheld = await eventually(async () => got.find((g) => g.path === '/hook' && g.body.includes(restricted.body.id)));
      expect(JSON.parse(withheld.body)).toMatchObject({ caseId: restricted.body.id, title: `New case ${restricted.body.id.slice(0, 8)}`, text: '(A restricted case: open Duban for the details.)' });
    } finally {
      for (const id of [hook.body.id, ding.body.id]) expect((await api(`/api/v1/notifications/subscriptions/${id}`, { method: 'DELETE', token: supervisor })).status).toBe(204);
    }
  });

  it('pushes in-app messages live to the console as server-sent events through the gateway', async () => {
    const [head, citizen] = await Promise.all(['head-housing', 'citizen1'].map((u) => tokenFor(u)));
    const sub = await api('/api/v1/notifications/subscriptions', { method: 'POST', token: head, body: { eventTypes: ['case.assigned'], channel: 'in-app', locale: 'en' } });
    expect(sub.status).toBe(201);
    const abort = new AbortController();
    try {
      const stream = await fetch(`${stack.gatewayUrl}/api/v1/notifications/stream`, { headers: { authorization: `Bearer ${head}` }, signal: abort.signal });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = stream.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      // The stream is open (the retry line arrived) before the case is filed.
      while (!text.includes('retry:')) text += decoder.decode((await reader.read()).value, { stream: true });
      const filed = await api('/api/v1/cases', { method: 'POST', token: citizen, body: { title: 'Leaking pipe in the hall', description: distinct('Water on the floor of the hall of block 9'), category: 'housing.repair' } });
      const caseId: string = filed.body.id;
      const deadline = Date.now() + 60_000;
      while (!text.includes(caseId) && Date.now() < deadline) text += decoder.decode((await reader.read()).value, { stream: true });
      const frame = text.split('\n\n').find((f) => f.includes(caseId))!;
      expect(frame).toMatch(/^id: [0-9a-f-]{36}\nevent: notification\ndata: /);
      expect(JSON.parse(frame.split('data: ')[1])).toMatchObject({ recipient: 'head-housing', caseId, eventType: 'case.assigned', title: `New case ${caseId.slice(0, 8)}` });
    } finally {
      abort.abort();
    }
    // The gateway outlives a client that hangs up on a stream (it once crashed on exactly that).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await api(`/api/v1/notifications/subscriptions/${sub.body.id}`, { method: 'DELETE', token: head })).status).toBe(204);
  });
});
