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

  it('pages the trail with a cursor, newest first, so one call costs a bounded amount (OWASP API4)', async () => {
    const supervisor = await tokenFor('supervisor1');
    // Enough entries of one actor for three pages of two (refused filings are recorded like any other).
    for (let i = 0; i < 5; i += 1) expect((await api('/api/v1/cases', { method: 'POST', token: supervisor, body: { title: `Page ${i}` } })).status).toBe(400);
    const since = new Date(Date.now() - 120_000).toISOString();
    const all = await eventually(async () => {
      const r = await api(`/api/v1/audit/intake?actor=supervisor1&from=${encodeURIComponent(since)}&limit=1000`, { token: supervisor });
      return r.body.entries?.length >= 5 ? (r.body.entries as { seq: number }[]) : undefined;
    });
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: { entries: { seq: number }[]; next: string | null } } = await api(
        `/api/v1/audit/intake?actor=supervisor1&from=${encodeURIComponent(since)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: supervisor },
      );
      expect(page.status).toBe(200);
      expect(page.body.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.entries.map((e) => e.seq));
      cursor = page.body.next;
      pages += 1;
    } while (cursor && pages < 100);
    // The pages together are the whole list (at the time of the first read or later), newest first, with no repeats.
    expect(seen.slice(0, all.length).filter((s) => !all.some((e) => e.seq === s))).toEqual([]);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBeGreaterThanOrEqual(3);
    for (const bad of ['limit=0', 'limit=5000', 'limit=x', 'cursor=abc']) {
      const r = await api(`/api/v1/audit/intake?${bad}`, { token: supervisor });
      expect([bad, r.status, r.body.errors?.[0]?.field]).toEqual([bad, 400, bad.split('=')[0]]);
    }
  });
});
