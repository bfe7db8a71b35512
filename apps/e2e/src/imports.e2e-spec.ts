import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Client } from 'pg';
import { api, eventually, serviceDb, stack, tokenFor } from '@duban/testing';

jest.setTimeout(240_000);

const ROOT = resolve(__dirname, '../../..');
const STACK_DIR = process.env.DUBAN_STACK_DIR ?? join(ROOT, '.duban', 'stack');
const BOSTON = gunzipSync(readFileSync(join(ROOT, 'libs/intake/src/seed/boston-sample.csv.gz'))).toString('utf8').split('\r\n');
/** The sample's header and rows [from, to). */
const bostonCsv = (from: number, to: number) => [BOSTON[0], ...BOSTON.slice(1 + from, 1 + to)].join('\r\n') + '\r\n';

async function upload(token: string, csv: string, format: string) {
  const response = await fetch(`${stack.gatewayUrl}/api/v1/imports?format=${format}&name=test.csv`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body: csv,
  });
  return { status: response.status, body: (await response.json()) as { id: string; errors: { field: string }[] } & Record<string, unknown> };
}

const finished = (token: string, id: string) =>
  eventually(async () => {
    const r = await api(`/api/v1/imports/${id}`, { token });
    return r.body.status === 'done' ? r.body : undefined;
  }, 180_000, 250);

const intakeDb = <T>(work: (c: Client) => Promise<T>) => serviceDb('intake', work);

describe('bulk import of CSV through the gateway', () => {
  let dispatcher: string;

  beforeAll(async () => {
    dispatcher = await tokenFor('dispatcher1');
  });

  it('imports our format row by row, with progress and a report of every rejected row and why', async () => {
    const tag = Math.random().toString(36).slice(2);
    // A place no other test report is near (reports of one category nearby would be linked as duplicates).
    const [lat, lon] = [(42.25 + Math.random() * 0.1).toFixed(6), (-71.15 + Math.random() * 0.1).toFixed(6)];
    const csv = [
      'title,description,category,address,lat,lon,district,reference',
      `Leak at the market,"Water running across the market square, ${tag} one",water.leak,Market Square,${lat},${lon},,ticket-1`,
      `Noise at night,"Karaoke bar open until 3 am, ${tag} two",,,,,,ticket-2`,
      `路灯不亮,"小区门口路灯坏了 ${tag} 三",public-works.streetlight,,,,hudong-wanghu,ticket-3`,
      `,"No title ${tag}",water.leak,,,,,ticket-4`,
      `Bad point,"Coordinates are text ${tag}",water.leak,,north,-71.08,,ticket-5`,
      `Too few fields,${tag}`,
      `Unknown category,"Something ${tag}",no.such-category,,,,,ticket-7`,
    ].join('\n');
    const created = await upload(dispatcher, csv, 'duban');
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ format: 'duban', totalRows: 7, fileName: 'test.csv' });
    const done = await finished(dispatcher, created.body.id);
    expect(done).toMatchObject({ processedRows: 7, accepted: 3, rejected: 4, linked: 0, percent: 100 });

    const rejected = await api(`/api/v1/imports/${created.body.id}/rows?outcome=rejected`, { token: dispatcher });
    const why = rejected.body.rows.map((r: { row: number; errors: { field: string; line: number }[] }) => [r.row, r.errors.map((e) => e.field), r.errors[0].line]);
    expect(why).toEqual([
      [4, ['title'], 5],
      [5, ['lat'], 6],
      [6, ['row'], 7],
      [7, ['category'], 8],
    ]);
    const report = await fetch(`${stack.gatewayUrl}/api/v1/imports/${created.body.id}/report.csv`, { headers: { authorization: `Bearer ${dispatcher}` } });
    expect(report.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await report.text()).trim().split('\r\n');
    expect(lines[0]).toBe('row,line,outcome,case_id,reference,problems');
    expect(lines).toHaveLength(8);
    expect(lines[4]).toMatch(/^4,5,rejected,,ticket-4,title: /);

    const accepted = await api(`/api/v1/imports/${created.body.id}/rows?outcome=accepted`, { token: dispatcher });
    const [first] = accepted.body.rows;
    const view = await eventually(async () => {
      const r = await api(`/api/v1/cases/${first.caseId}`, { token: dispatcher });
      return r.body.status === 'assigned' ? r.body : undefined;
    });
    expect(view).toMatchObject({ channel: 'import', category: 'water.leak' });
  });

  it('imports the Boston 311 export format', async () => {
    const created = await upload(dispatcher, bostonCsv(0, 40), 'boston');
    expect(created.status).toBe(202);
    const done = await finished(dispatcher, created.body.id);
    expect(done.processedRows).toBe(40);
    expect(done.accepted + done.linked + done.rejected).toBe(40);
    // Rows whose TYPE has no category are rejected; a row repeating an open case (also one imported
    // by an earlier run against the same stack) is linked.
    expect(done.accepted + done.linked).toBeGreaterThan(30);
  });

  it('refuses uploads it cannot take, by field, and stores nothing', async () => {
    const handler = await tokenFor('handler-water-a');
    expect((await upload(handler, 'title,description\nA,B\n', 'duban')).status).toBe(403);
    const noFormat = await upload(dispatcher, 'title,description\nA,B\n', 'excel');
    expect([noFormat.status, noFormat.body.errors[0].field]).toEqual([400, 'format']);
    const header = await upload(dispatcher, 'title,colour\nA,red\n', 'duban');
    expect(header.status).toBe(400);
    expect(header.body.errors.map((e: { field: string }) => e.field)).toEqual(['description', 'colour']);
    const empty = await upload(dispatcher, 'title,description\n', 'duban');
    expect([empty.status, empty.body.errors[0].field]).toEqual([400, 'file']);
    const json = await api('/api/v1/imports?format=duban', { method: 'POST', token: dispatcher, body: { title: 'x' } });
    expect(json.status).toBe(415);
  });

  it('resumes after the intake process is killed mid-import, filing every row exactly once', async () => {
    const rows = 300;
    const created = await upload(dispatcher, bostonCsv(100, 100 + rows), 'boston');
    expect(created.status).toBe(202);
    const id = created.body.id;
    // Kill -9 intake once it is part-way through the file.
    await eventually(async () => {
      const r = await api(`/api/v1/imports/${id}`, { token: dispatcher });
      return r.body.processedRows >= 10 ? true : undefined;
    }, 60_000, 50);
    const pid = Number(readFileSync(join(STACK_DIR, 'pids', 'svc-intake.pid'), 'utf8').split(' ')[0]);
    process.kill(pid, 'SIGKILL');
    const before = await intakeDb((c) => c.query('SELECT count(*)::int AS n FROM import_rows WHERE import_id = $1', [id]));
    expect(before.rows[0].n).toBeLessThan(rows);
    execFileSync('bash', [join(ROOT, 'deploy', 'local', 'services-up.sh')], { stdio: 'ignore', env: { ...process.env, DUBAN_STACK_DIR: STACK_DIR } });

    const done = await finished(dispatcher, id);
    expect(done.processedRows).toBe(rows);
    await intakeDb(async (c) => {
      // Every row has one outcome, and every filed row one case: none twice, none lost.
      const { rows: outcome } = await c.query(
        `SELECT count(*)::int AS n, count(case_id)::int AS filed, count(DISTINCT case_id)::int AS distinct_cases FROM import_rows WHERE import_id = $1`,
        [id],
      );
      expect(outcome[0].n).toBe(rows);
      expect(outcome[0].distinct_cases).toBe(outcome[0].filed);
      const { rows: cases } = await c.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE subject = $1`, [`import:${id}`]);
      expect(cases[0].n).toBe(outcome[0].filed);
    });
    // And every imported case that is not a duplicate carries on through the pipeline (this also lets the
    // restarted intake work off its backlog before the next test).
    await eventually(
      () =>
        intakeDb(async (c) => {
          const { rows: waiting } = await c.query(
            `SELECT count(*)::int AS n FROM import_rows r JOIN cases k ON k.id = r.case_id JOIN case_views v ON v.case_id = k.id
              WHERE r.import_id = $1 AND k.duplicate_of IS NULL AND v.status = 'received'`,
            [id],
          );
          return waiting[0].n === 0 ? true : undefined;
        }),
      180_000,
      500,
    );
  });
});
