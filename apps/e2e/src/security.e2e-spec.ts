import { generateKeyPair, SignJWT } from 'jose';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import { api, distinct, eventually, onRiskBoard, serviceDb, stack, tokenFor } from '@duban/testing';

jest.setTimeout(60_000);

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const parts = (token: string) => token.split('.');
const claims = (token: string) => JSON.parse(Buffer.from(parts(token)[1], 'base64url').toString()) as Record<string, unknown>;

/** Forged and broken tokens at the gateway and at a service directly (docs/security.md: API2 Broken Authentication). */
/**
 * The answer to a POST that declares a body over a limit, before any of it is sent: the server
 * answers 413 from the Content-Length alone (sending the body races the server closing the
 * connection — EPIPE).
 */
function postDeclaring(url: string, token: string, bytes: number, type: string): Promise<[number, string | undefined]> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type, 'content-length': bytes } }, (res) => {
      res.resume();
      resolve([res.statusCode ?? 0, res.headers['content-type']?.split(';')[0]]);
      req.destroy();
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

/** An access token straight from Keycloak's token endpoint of an issuer. */
async function keycloakToken(issuer: string, form: Record<string, string>): Promise<string> {
  const r = await fetch(`${issuer}/protocol/openid-connect/token`, { method: 'POST', body: new URLSearchParams(form) });
  expect(r.status).toBe(200);
  return ((await r.json()) as { access_token: string }).access_token;
}

describe('tokens that must not get in', () => {
  it('refuses alg none, a tampered payload, a foreign signature, a missing token — at the gateway and at the service, with nothing written', async () => {
    const real = await tokenFor('handler-water-a');
    const [header] = parts(real);
    const kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
    const elevated = { ...claims(real), realm_access: { roles: ['admin', 'supervisor'] } };
    const { privateKey } = await generateKeyPair('RS256');
    const forged = {
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(elevated)}.`,
      'tampered payload': `${header}.${b64(elevated)}.${parts(real)[2]}`,
      'foreign key with the same kid': await new SignJWT(elevated).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey),
      'HS256 with the public key id': `${b64({ alg: 'HS256', kid })}.${b64(elevated)}.${Buffer.from('x').toString('base64url')}`,
      'expired (exp rewritten)': `${header}.${b64({ ...claims(real), exp: 1 })}.${parts(real)[2]}`,
      // Genuine Keycloak tokens, validly signed, but not for us: another realm (wrong issuer), another audience.
      'wrong issuer (a token of the master realm)': await keycloakToken(`${new URL(stack.oidcIssuer).origin}/realms/master`, { grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: 'admin' }),
      'wrong audience (a service account of this realm)': await keycloakToken(stack.oidcIssuer, { grant_type: 'client_credentials', client_id: 'duban-directory', client_secret: 'duban-directory-dev-secret' }),
    };
    const body = { title: 'Forged', description: distinct('must never be stored'), category: 'water.leak' };
    for (const [what, token] of Object.entries(forged)) {
      for (const base of [stack.gatewayUrl, 'http://127.0.0.1:8081']) {
        const r = await fetch(`${base}/api/v1/cases`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect([what, base, r.status]).toEqual([what, base, 401]);
        expect(r.headers.get('content-type')).toContain('application/problem+json');
        // The caller is told that the token is not good, not which check of the library failed.
        expect([what, ((await r.json()) as { detail: string }).detail]).toEqual([what, expect.stringMatching(/^(invalid token|the token has expired|a bearer token is required)$/)]);
      }
    }
    const none = await fetch(`${stack.gatewayUrl}/api/v1/sla-policies`, {});
    expect([none.status, none.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    // Nothing was filed by any of them.
    const supervisor = await tokenFor('supervisor1');
    const audit = await api('/api/v1/audit/intake?actor=handler-water-a', { token: supervisor });
    expect(audit.body.entries.filter((e: { status: number; path: string }) => e.path === '/api/v1/cases' && e.status === 201 && Date.now() - Date.parse(String((e as unknown as { at: string }).at)) < 60_000)).toEqual([]);
  });

  it('refuses a handler on administrator and supervisor routes, a citizen on staff routes, and mass assignment through a body', async () => {
    const handler = await tokenFor('handler-water-a');
    expect((await api('/api/v1/calendars/units/water', { method: 'PUT', token: handler, body: { periods: [{ start: '00:00', end: '24:00' }], weekendDays: [], holidays: false } })).status).toBe(403);
    expect((await api('/api/v1/supervision-orders', { method: 'POST', token: handler, body: { caseId: '00000000-0000-4000-8000-000000000000', dueAt: new Date(Date.now() + 86_400_000).toISOString(), reason: 'Self-supervision' } })).status).toBe(403);
    expect((await api('/api/v1/open311-clients', { method: 'POST', token: handler, body: { name: 'Mine' } })).status).toBe(403);
    // A citizen is stopped at the gateway on every staff route (each service would refuse too).
    const citizen = await tokenFor('citizen1');
    for (const path of ['/api/v1/workspaces', '/api/v1/risk', '/api/v1/assessment/rankings', '/api/v1/audit/intake', '/api/v1/routing-rules']) {
      const r = await api(path, { token: citizen });
      expect([path, r.status, r.headers.get('content-type')?.split(';')[0]]).toEqual([path, 403, 'application/problem+json']);
    }
    expect((await api('/api/v1/assessment/ratings/00000000-0000-4000-8000-000000000000', { token: citizen })).status).toBe(404);
    // Status, unit or assignee cannot be set through a case body: unknown fields are refused by name.
    for (const field of ['status', 'unitId', 'assignee']) {
      const r = await api('/api/v1/cases', { method: 'POST', token: citizen, body: { title: 'Pothole', description: distinct('Deep pothole'), category: 'transport.road-damage', [field]: 'resolved' } });
      expect([field, r.status, r.body.errors?.[0]?.field]).toEqual([field, 400, field]);
    }
  });

  it('limits requests per user and per client with 429 and Retry-After (forged tokens too), carries a request id, and answers CORS only for configured origins (a second gateway with low limits)', async () => {
    // The built gateway as its own process, on another port, with low limits.
    const gateway = spawn(process.execPath, [resolve(__dirname, '../../gateway/dist/main.js')], {
      env: { ...process.env, OIDC_ISSUER_URL: stack.oidcIssuer, OIDC_AUDIENCE: 'duban-api', HTTP_PORT: '18091', METRICS_PORT: '0', RATE_LIMIT_USER_PER_MINUTE: '5', RATE_LIMIT_CLIENT_PER_MINUTE: '14', CORS_ORIGINS: 'https://console.minghu.test', LOG_LEVEL: 'warn', OTEL_SDK_DISABLED: 'true' },
      stdio: 'ignore',
    });
    await eventually(async () => ((await fetch('http://127.0.0.1:18091/health/ready').catch(() => undefined))?.status === 200 ? true : undefined), 30_000);
    try {
      const base = 'http://127.0.0.1:18091';
      const [handler, other, third, fourth] = await Promise.all(['handler-water-a', 'handler-parks-a', 'handler-housing-a', 'handler-transport-a'].map((u) => tokenFor(u)));
      // The limits count in fixed one-minute windows: start well inside one, so the counts below are exact.
      const left = 60_000 - (Date.now() % 60_000);
      if (left < 15_000) await new Promise((r) => setTimeout(r, left + 200));
      const get = (token: string, headers: Record<string, string> = {}) => fetch(`${base}/api/v1/notifications`, { headers: { authorization: `Bearer ${token}`, ...headers } });
      const first = await get(handler, { 'x-request-id': 'e2e-request-0001' });
      expect([first.status, first.headers.get('x-request-id')]).toEqual([200, 'e2e-request-0001']);
      expect((await get(handler)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await get(handler)).status);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
      const limited = await get(handler);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited.headers.get('content-type')).toContain('application/problem+json');
      expect((await get(other)).status).toBe(200); // another user is not held back

      // Per client (all four share the CLI's OAuth client): 5 + 1 taken so far; 14 a minute in all.
      const thirds: number[] = [];
      for (let i = 0; i < 5; i++) thirds.push((await get(third)).status);
      const fourths: number[] = [];
      for (let i = 0; i < 4; i++) fourths.push((await get(fourth)).status);
      expect([thirds, fourths]).toEqual([[200, 200, 200, 200, 200], [200, 200, 200, 429]]);
      const byClient = await get(fourth);
      expect([byClient.status, ((await byClient.json()) as { detail: string }).detail]).toEqual([429, expect.stringContaining('This client made too many requests')]);
      // Forged tokens count against their client too (here, the address): 14 refused with 401, then 429.
      const forged = `${handler.slice(0, -4)}AAAA`;
      const floods: number[] = [];
      for (let i = 0; i < 15; i++) floods.push((await get(forged)).status);
      expect(floods).toEqual([...Array(14).fill(401), 429]);

      const preflight = await fetch(`${base}/api/v1/cases`, { method: 'OPTIONS', headers: { origin: 'https://console.minghu.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://console.minghu.test');
      expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
      const foreign = await fetch(`${base}/api/v1/cases`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      expect([foreign.status, foreign.headers.get('access-control-allow-origin')]).toEqual([403, null]);
    } finally {
      gateway.kill('SIGTERM');
    }
  });

  it('refuses oversized bodies at the gateway and at the service, oversized files, and oversized fields by name, storing nothing', async () => {
    const started = new Date().toISOString();
    const operator = await tokenFor('operator1');
    // The gateway's MAX_BODY_BYTES (1 MiB), a service's own (64 KiB) and ATTACHMENT_MAX_BYTES (10 MiB), each answered 413 problem+json.
    for (const [url, bytes, type] of [
      [`${stack.gatewayUrl}/api/v1/cases`, 1_048_577, 'application/json'],
      ['http://127.0.0.1:8081/api/v1/cases', 65_537, 'application/json'],
      [`${stack.gatewayUrl}/api/v1/workspaces/00000000-0000-4000-8000-000000000000/attachments?name=big.txt`, 10_485_761, 'application/octet-stream'],
    ] as const) {
      expect([url, ...(await postDeclaring(url, operator, bytes, type))]).toEqual([url, 413, 'application/problem+json']);
    }
    // A field beyond its schema's length: 400 naming it.
    const longField = await api('/api/v1/cases', { method: 'POST', token: operator, body: { title: 'T'.repeat(201), description: distinct('Too long a title'), category: 'water.leak', channel: 'hotline', caller: { name: 'Li' } } });
    expect([longField.status, longField.body.errors?.[0]?.field]).toEqual([400, 'title']);
    // None of them was filed: intake's audit trail since the test began holds the refusal, and no 201.
    const supervisor = await tokenFor('supervisor1');
    const entries = await eventually(async () => {
      const r = await api(`/api/v1/audit/intake?actor=operator1&from=${encodeURIComponent(started)}`, { token: supervisor });
      const mine = r.body.entries as { status: number; path: string }[];
      return mine.some((e) => e.status === 400 && e.path === '/api/v1/cases') ? mine : undefined;
    });
    expect(entries.filter((e) => e.path === '/api/v1/cases' && e.status < 400)).toEqual([]);
  });

  it('pages the early-warning board by cursor from kept scores, so one call costs its page (OWASP API4)', async () => {
    const [operator, supervisor] = await Promise.all(['operator1', 'supervisor1'].map((u) => tokenFor(u)));
    // At least a few open cases with a limit: file three and wait until the scorer has them.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await api('/api/v1/cases', { method: 'POST', token: operator, body: { title: 'Water main leaking', description: distinct('Water running down the street'), category: 'water.leak', channel: 'hotline', caller: { name: 'Li' } } });
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    for (const id of ids) {
      await eventually(async () => (await onRiskBoard(supervisor, id, '&unitId=water')) || undefined);
    }
    // Pages of 2: never more than the limit, each case once, highest risk first across pages.
    const seen: { caseId: string; score: number; scoredAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: { cases: { caseId: string; score: number; scoredAt: string }[]; next: string | null } } = await api(`/api/v1/risk?unitId=water&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: supervisor });
      expect(page.status).toBe(200);
      expect(page.body.cases.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.cases);
      cursor = page.body.next;
      pages++;
    } while (cursor && pages < 20);
    expect(seen.length).toBeGreaterThanOrEqual(Math.min(3, 2 * pages));
    expect(new Set(seen.map((c) => c.caseId)).size).toBe(seen.length);
    expect(seen.map((c) => c.score)).toEqual([...seen.map((c) => c.score)].sort((a, b) => b - a));
    expect(seen.every((c) => !Number.isNaN(Date.parse(c.scoredAt)))).toBe(true);
    // A cursor this service did not write, and limits out of range, are refused by name.
    const forged = Buffer.from(JSON.stringify([2, 'not-a-case'])).toString('base64url');
    for (const [query, field] of [['cursor=abc!', 'cursor'], [`cursor=${forged}`, 'cursor'], ['limit=0', 'limit'], ['limit=1001', 'limit']]) {
      const r = await api(`/api/v1/risk?${query}`, { token: supervisor });
      expect([query, r.status, r.body.errors?.[0]?.field]).toEqual([query, 400, field]);
    }
  });

  it("shows a reporter their case without the inside of the work: no staff names, notes or requests between units (one projection per audience)", async () => {
    const [citizen, supervisor] = await Promise.all(['citizen1', 'supervisor1'].map((u) => tokenFor(u)));
    const spot = { lat: 42.33 + Math.random() * 0.04, lon: -71.12 + Math.random() * 0.05 };
    const filed = await api('/api/v1/cases', {
      method: 'POST',
      token: citizen,
      body: { title: 'Leak at the corner', description: distinct('Water running down the street'), category: 'water.leak', location: { address: '3 Quay Road', point: spot } },
    });
    expect(filed.status).toBe(201);
    const id: string = filed.body.id;
    const unitId: string = await eventually(async () => (await api(`/api/v1/cases/${id}`, { token: supervisor })).body.unitId ?? undefined);
    const handlerName = `handler-${unitId}-a`;
    const handler = await tokenFor(handlerName);
    const ws = `/api/v1/workspaces/${id}`;
    await eventually(async () => ((await api(ws, { token: handler })).status === 200 ? true : undefined));
    expect((await api(`${ws}/sign-for`, { method: 'POST', token: handler })).status).toBe(200);
    expect((await api(`${ws}/notes`, { method: 'POST', token: handler, body: { text: 'Internal: valve 7 is seized, ask the night crew' } })).status).toBe(201);
    // Staff see everything once the projection caught up.
    const staff = await eventually(async () => {
      const r = await api(`/api/v1/cases/${id}`, { token: supervisor });
      return r.body.timeline.some((e: { type: string }) => e.type === 'case.progressed') ? r.body : undefined;
    });
    expect(JSON.stringify(staff)).toContain('valve 7');
    // The reporter: the unit and the steps, nothing else.
    const mine = (await api(`/api/v1/cases/${id}`, { token: citizen })).body;
    expect(mine).toMatchObject({ id, status: 'in-progress', unitId, assignee: null, traceId: null });
    expect(JSON.stringify(mine)).not.toMatch(new RegExp(`valve 7|${handlerName}|handler-|: \\d+ open`));
    expect(mine.timeline.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['case.received', 'case.assigned', 'case.accepted']));
    expect(mine.timeline.map((e: { type: string }) => e.type)).not.toContain('case.progressed');
  });

  it('shows titles and descriptions without right-to-left overrides, and keeps what was sent (OWASP API8)', async () => {
    const [citizen, supervisor] = await Promise.all(['citizen1', 'supervisor1'].map((u) => tokenFor(u)));
    const spot = { lat: 42.33 + Math.random() * 0.04, lon: -71.12 + Math.random() * 0.05 };
    // "Photo \u202Egpj.exe" would show as "Photo exe.jpg".
    const filed = await api('/api/v1/cases', {
      method: 'POST',
      token: citizen,
      body: { title: 'Photo \u202Egpj.exe of the leak', description: distinct('See \u2067the file\u2069 \u202Dattached\u202C'), category: 'water.leak', location: { address: '3 Quay \u202ERoad', point: spot } },
    });
    expect(filed.status).toBe(201);
    const id: string = filed.body.id;
    const bidi = /[\u202A-\u202E\u2066-\u2069]/;
    for (const token of [citizen, supervisor]) {
      const view = await api(`/api/v1/cases/${id}`, { token });
      expect(view.status).toBe(200);
      expect(view.body.title).toBe('Photo gpj.exe of the leak');
      expect(bidi.test(JSON.stringify(view.body))).toBe(false);
    }
    const feed = await eventually(async () => {
      const r = await fetch(`${stack.gatewayUrl}/open311/v2/requests/${id}.json`);
      return r.status === 200 ? ((await r.json()) as { description: string; address: string }[]) : undefined;
    });
    expect(feed[0].address).toBe('3 Quay Road');
    expect(bidi.test(feed[0].description)).toBe(false);
    expect(feed[0].description).toContain('See the file attached');
    // The case keeps what was sent.
    const stored = await serviceDb('intake', async (c) => (await c.query('SELECT title FROM cases WHERE id = $1', [id])).rows[0].title as string);
    expect(stored).toBe('Photo \u202Egpj.exe of the leak');
  });

  it('answers what the HTTP parser refuses as problem+json, and refuses a body on calls that take none', async () => {
    // 20 KiB of headers: Node's parser stops at 16 KiB, before any route.
    const [status, type] = await new Promise<[number, string | undefined]>((resolveAnswer, reject) => {
      const req = httpRequest(`${stack.gatewayUrl}/api/v1/cases`, { method: 'GET', headers: { 'x-padding': 'p'.repeat(20_000) } }, (res) => {
        res.resume();
        resolveAnswer([res.statusCode ?? 0, res.headers['content-type']]);
      });
      req.on('error', reject);
      req.end();
    });
    expect([status, type]).toEqual([431, 'application/problem+json']);
    const handler = await tokenFor('handler-water-a');
    const signFor = await api('/api/v1/workspaces/00000000-0000-4000-8000-000000000000/sign-for', { method: 'POST', token: handler, body: { state: 'resolved' } });
    expect([signFor.status, signFor.body.errors?.[0]?.field]).toEqual([400, 'state']);
  });

  it("serves no /metrics on the public port: the gateway's metrics are on a port of their own (OWASP API8)", async () => {
    for (const path of ['/metrics', '/metrics/', '/metrics?x=1']) {
      const open = await fetch(`${stack.gatewayUrl}${path}`);
      expect([path, open.status, (await open.text()).includes('duban_http_request_duration_seconds')]).toEqual([path, 404, false]);
    }
    const scraped = await fetch(`${stack.gatewayMetricsUrl}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(/duban_http_request_duration_seconds_bucket\{[^}]*service="duban-gateway"/);
    // That port serves nothing else.
    expect((await fetch(`${stack.gatewayMetricsUrl}/api/v1/cases`)).status).toBe(404);
  });

  it('refuses bodies nested thousands deep and text with control characters or unpaired surrogates, naming the field, before anything else is looked at', async () => {
    const handler = await tokenFor('handler-water-a');
    const operator = await tokenFor('operator1');
    const raw = (url: string, token: string, body: string) =>
      fetch(`${stack.gatewayUrl}${url}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    // 5,000 levels of arrays in a uniqueItems field of a case that does not even exist: 400, not 500 and not 404.
    const deep = `{"text":"note","attachments":${'['.repeat(5000)}"x"${']'.repeat(5000)}}`;
    const nested = await raw('/api/v1/workspaces/00000000-0000-4000-8000-000000000000/notes', handler, deep);
    const nestedBody = (await nested.json()) as { errors: { field: string; detail: string }[] };
    expect([nested.status, nestedBody.errors[0].field.split('.')[0], nestedBody.errors[0].detail]).toEqual([400, 'attachments', 'is nested deeper than 32 levels']);
    const filed = { description: distinct('A leak by the school'), category: 'water.leak', channel: 'hotline', caller: { name: 'Li' } };
    const escape = await api('/api/v1/cases', { method: 'POST', token: operator, body: { ...filed, title: 'Leak \u001b[31m red \u0007' } });
    expect([escape.status, escape.body.errors?.[0]?.field]).toEqual([400, 'title']);
    const surrogate = await raw('/api/v1/cases', operator, JSON.stringify({ ...filed, title: 'Leak' }).replace('"Leak"', '"Leak \\ud800"'));
    expect([surrogate.status, ((await surrogate.json()) as { errors: { field: string }[] }).errors[0].field]).toEqual([400, 'title']);
    // A key given twice is refused by name, not taken last-wins.
    const twice = await raw('/api/v1/cases', operator, JSON.stringify({ ...filed, title: 'Leak' }).replace('{', '{"category":"housing.repair",'));
    expect([twice.status, ((await twice.json()) as { errors: { field: string; detail: string }[] }).errors]).toEqual([400, [expect.objectContaining({ field: 'category', detail: 'is given twice; send each field once' })]]);
    // An Open311 client's form gets the same check, in GeoReport's error form.
    const open311 = await fetch(`${stack.gatewayUrl}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ service_code: 'water.leak', lat: '42.3', long: '-71.1', description: 'vertical tab \u000b here' }).toString(),
    });
    expect([open311.status, await open311.json()]).toEqual([400, [{ code: 400, description: expect.stringMatching(/^description: must not contain control characters/) }]]);
  });

  it('describes the whole public API in one OpenAPI 3.1 document with a docs page', async () => {
    const doc = (await (await fetch(`${stack.gatewayUrl}/openapi.json`)).json()) as {
      openapi: string;
      info: Record<string, unknown>;
      paths: Record<string, Record<string, { tags: string[]; requestBody?: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } }; security?: unknown[] }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info['x-unavailable-services']).toBeUndefined();
    expect(doc.paths['/api/v1/cases'].post.requestBody!.content['application/json'].schema.properties).toHaveProperty('title');
    expect(doc.paths['/api/v1/workspaces/{caseId}/sign-for'].post.tags).toEqual(['collaboration']);
    expect(doc.paths['/api/v1/sla-policies/{key}'].put.requestBody!.content['application/json'].schema.properties).toHaveProperty('minutes');
    expect(doc.paths['/api/v1/ratings/by-link'].post.security).toEqual([]);
    const services = new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((o) => o.tags)));
    expect([...services].sort()).toEqual(['assessment', 'collaboration', 'dispatch', 'escalation', 'intake', 'notification']);
    expect(Object.keys(doc.paths).every((p) => p.startsWith('/api/v1/') || p.startsWith('/open311/'))).toBe(true);
    // Mass assignment (OWASP API3): every JSON request body of the whole API is closed — an unknown field is refused.
    type Node = { type?: string; properties?: Record<string, Node>; additionalProperties?: unknown; items?: Node; anyOf?: Node[] };
    const open: string[] = [];
    const walk = (n: Node | undefined, at: string) => {
      if (!n) return;
      if (n.type === 'object' && n.properties && n.additionalProperties !== false) open.push(at);
      for (const [k, v] of Object.entries(n.properties ?? {})) walk(v, `${at}.${k}`);
      walk(n.items, `${at}[]`);
      (n.anyOf ?? []).forEach((v, i) => walk(v, `${at}|${i}`));
    };
    let bodies = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const schema = op.requestBody?.content['application/json']?.schema as Node | undefined;
        if (schema) bodies += 1;
        walk(schema, `${method.toUpperCase()} ${path}`);
      }
    }
    expect(bodies).toBeGreaterThanOrEqual(40);
    expect(open).toEqual([]);
    const page = await fetch(`${stack.gatewayUrl}/docs`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<code>/api/v1/cases</code>');
  });
});
