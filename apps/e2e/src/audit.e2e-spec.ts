import { api, distinct, eventually, stack, tokenFor } from '@duban/testing';

jest.setTimeout(60_000);

describe('the audit trail of every service through the gateway', () => {
  it('records who did what, from where and under which role — refusals too — and supervisors query, export and verify it', async () => {
    const [citizen, supervisor, handler] = await Promise.all(['citizen1', 'supervisor1', 'handler-water-a'].map((u) => tokenFor(u)));
    const started = new Date(Date.now() - 1000).toISOString();
    const filed = await api('/api/v1/cases', { method: 'POST', token: citizen, body: { title: 'Broken bench', description: distinct('A slat is missing on the bench'), category: 'parks.tree-hazard' } });
    expect(filed.status).toBe(201);
    // A handler trying an administrator's action is refused — and that is recorded too.
    expect((await api('/api/v1/sla-policies/general.accept', { method: 'PUT', token: handler, body: { minutes: 1, basis: 'elapsed' } })).status).toBe(403);

    // Entries are written within a second (buffered); other tests' entries may be there too: find ours.
    const filing = await eventually(async () => {
      const r = await api(`/api/v1/audit/intake?actor=citizen1&from=${encodeURIComponent(started)}`, { token: supervisor });
      return r.body.entries?.find((e: { path: string; status: number }) => e.path === '/api/v1/cases' && e.status === 201);
    });
    expect(filing).toMatchObject({ actor: 'citizen1', method: 'POST', roles: expect.arrayContaining(['reporter']), ip: expect.any(String) });
    const refused = await eventually(async () => {
      const r = await api(`/api/v1/audit/escalation?actor=handler-water-a&from=${encodeURIComponent(started)}`, { token: supervisor });
      return r.body.entries?.find((e: { status: number; path: string }) => e.status === 403 && e.path === '/api/v1/sla-policies/general.accept');
    });
    expect(refused).toMatchObject({ method: 'PUT', unit_id: 'water', roles: expect.arrayContaining(['handler']) });

    for (const service of ['intake', 'escalation']) {
      expect((await api(`/api/v1/audit/${service}/verify`, { token: supervisor })).body).toMatchObject({ service, ok: true, brokenAt: null });
    }
    const csv = await fetch(`${stack.gatewayUrl}/api/v1/audit/intake?format=csv&actor=citizen1`, { headers: { authorization: `Bearer ${supervisor}` } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await csv.text()).split('\r\n')[0]).toBe('seq,at,actor,roles,unit_id,ip,method,path,status,request_id,hash');
    expect((await api('/api/v1/audit/intake', { token: handler })).status).toBe(403);
    expect((await api('/api/v1/audit/intake?from=yesterday', { token: supervisor })).body.errors[0].field).toBe('from');
  });
});
