import { randomUUID } from 'node:crypto';
import { api, distinct, eventually, stack, tokenFor } from '@duban/testing';

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

/**
 * For every operation of the public API that takes a case id (read from /openapi.json): a handler
 * of another unit and a reporter who does not own the case are refused — 403 or 404 — and the case
 * is unchanged afterwards (OWASP API1 / API5; docs/security.md).
 */
describe('every endpoint that takes a case id, from people who must not reach the case', () => {
  it('refuses another unit and a reporter who is not the owner, with no side effect', async () => {
    const [operator, supervisor, citizen] = await Promise.all(['operator1', 'supervisor1', 'citizen1'].map((u) => tokenFor(u)));
    // A hotline case: its reporter is the caller the operator files for, not citizen1.
    const filed = await api('/api/v1/cases', {
      method: 'POST',
      token: operator,
      body: { title: 'Broken streetlight', description: distinct('The light at the corner has been out for a week'), category: 'public-works.streetlight', channel: 'hotline', caller: { name: 'Wang Fang' } },
    });
    expect(filed.status).toBe(201);
    const caseId: string = filed.body.id;
    const unitId: string = await eventually(async () => (await api(`/api/v1/cases/${caseId}`, { token: supervisor })).body.unitId ?? undefined);
    const outsider = await tokenFor(unitId === 'parks' ? 'handler-water-a' : 'handler-parks-a');
    await eventually(async () => ((await api(`/api/v1/clocks/${caseId}`, { token: supervisor })).status === 200 ? true : undefined));
    const before = await api(`/api/v1/cases/${caseId}`, { token: supervisor });

    const doc = (await (await fetch(`${stack.gatewayUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: { 'application/json': { schema: Schema } } } }>>;
    };
    const operations = Object.entries(doc.paths)
      .filter(([path]) => /\{caseId\}|^\/api\/v1\/cases\/\{id\}/.test(path))
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThanOrEqual(20);

    const answers: string[] = [];
    for (const { path, method, op } of operations) {
      const url = path.replace(/\{caseId\}|\{id\}/, caseId).replace(/\{[A-Za-z]+\}/g, randomUUID());
      const schema = op.requestBody?.content['application/json'].schema;
      const isUpload = path.endsWith('/attachments') && method === 'post';
      for (const [who, token] of [
        ['other unit', outsider],
        ['not the reporter', citizen],
      ] as const) {
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
    if (process.env.SHOW_ANSWERS) console.log(answers.join("\n"));
    const let_through = answers.filter((a) => !/: (403|404)$/.test(a));
    expect(let_through).toEqual([]);

    // Nothing changed: same status, unit and timeline.
    const after = await api(`/api/v1/cases/${caseId}`, { token: supervisor });
    expect({ status: after.body.status, unitId: after.body.unitId, events: after.body.timeline.length }).toEqual({ status: before.body.status, unitId: before.body.unitId, events: before.body.timeline.length });
  });
});
