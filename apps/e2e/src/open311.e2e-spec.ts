import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, distinct, eventually, stack, tokenFor } from '@duban/testing';

jest.setTimeout(120_000);

const SCHEMAS = join(__dirname, 'open311-georeport-v2');
const schema = (file: string) => JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8'));

/** Validators for every GeoReport response body; the XML ones coerce element text to the schema's types. */
function validators(coerceTypes: boolean) {
  // The published schemas put minItems beside $ref in items; applied to each item they are no-ops.
  const ajv = new Ajv({ allErrors: true, coerceTypes, extendRefs: true });
  // Swagger's informal "uid": an identifier without spaces.
  ajv.addFormat('uid', /^\S+$/);
  ajv.addSchema(schema('service.json'), 'service.json');
  ajv.addSchema(schema('request.json'), 'request.json');
  const swagger = schema('swagger.json');
  return {
    services: ajv.compile(schema('services.json')),
    definition: ajv.compile(schema('service-definition.json')),
    requests: ajv.compile(schema('requests.json')),
    created: ajv.compile({ type: 'array', minItems: 1, items: swagger.definitions.RequestResponse }),
  };
}
const json = validators(false);
const xml = validators(true);

function expectValid(validate: ReturnType<typeof validators>['services'], body: unknown): void {
  const ok = validate(body);
  if (!ok) throw new Error(`not valid GeoReport v2: ${JSON.stringify(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
}

/** Our GeoReport XML back into objects: elements with children become objects (repeated ones a list), empty ones null. */
function fromXml(text: string): unknown {
  const tokens = text.replace(/<\?xml[^>]*\?>/, '').match(/<[^>]+>|[^<]+/g) ?? [];
  let i = 0;
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  const element = (): [string, unknown] => {
    const open = tokens[i++];
    const name = open.replace(/[</>]/g, '').trim();
    if (open.endsWith('/>')) return [name, null];
    const children: [string, unknown][] = [];
    let text = '';
    while (!tokens[i].startsWith('</')) {
      if (tokens[i].startsWith('<')) children.push(element());
      else text += tokens[i++];
    }
    i += 1;
    if (children.length === 0) return [name, unescape(text)];
    const names = new Set(children.map(([n]) => n));
    return [name, names.size === 1 && children.length > 1 ? children.map(([, v]) => v) : Object.fromEntries(children)];
  };
  while (tokens[i] && !tokens[i].startsWith('<')) i += 1;
  return element()[1];
}
/** A root with items: always a list, also when it holds one item or none. */
const listOf = (value: unknown, item: string): unknown[] => {
  if (value === null || value === '') return [];
  if (Array.isArray(value)) return value;
  return [(value as Record<string, unknown>)[item]].flat();
};

async function post311(fields: Record<string, string>, format = 'json') {
  const response = await fetch(`${stack.gatewayUrl}/open311/v2/requests.${format}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, body: text.startsWith('<') ? undefined : JSON.parse(text) };
}

async function get311(path: string) {
  const response = await fetch(`${stack.gatewayUrl}/open311/v2/${path}`);
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, body: path.includes('.xml') && response.ok ? fromXml(text) : JSON.parse(text) };
}

describe('Open311 GeoReport v2 through the gateway', () => {
  let apiKey: string;
  let clientId: string;
  let admin: string;

  beforeAll(async () => {
    admin = await tokenFor('admin1');
    const refused = await api('/api/v1/open311-clients', { method: 'POST', token: await tokenFor('dispatcher1'), body: { name: 'Not mine to make' } });
    expect(refused.status).toBe(403);
    const created = await api('/api/v1/open311-clients', { method: 'POST', token: admin, body: { name: 'Minghu city app' } });
    expect(created.status).toBe(201);
    ({ apiKey, id: clientId } = created.body);
    expect(apiKey).toMatch(/^o311_[0-9a-f]{48}$/);
    const listed = await api('/api/v1/open311-clients', { token: admin });
    expect(JSON.stringify(listed.body)).not.toContain(apiKey);
  });

  it('lists the services (the taxonomy) in JSON and XML, and defines each', async () => {
    const services = await get311('services.json?jurisdiction_id=minghu');
    expect(services.status).toBe(200);
    expectValid(json.services, services.body);
    expect(services.body.find((s: { service_code: string }) => s.service_code === 'water.leak')).toMatchObject({ metadata: false, type: 'realtime' });
    expect(services.body.length).toBe(144);

    const asXml = await get311('services.xml');
    expect(asXml.contentType).toMatch(/application\/xml/);
    expectValid(xml.services, listOf(asXml.body, 'service'));

    const definition = await get311('services/water.leak.json');
    expectValid(json.definition, definition.body);
    const xmlDefinition = (await get311('services/water.leak.xml')).body as { attributes: unknown };
    expectValid(xml.definition, { ...xmlDefinition, attributes: listOf(xmlDefinition.attributes, 'attribute') });
    expect((await get311('services/no.such-service.json')).status).toBe(404);
    expect((await get311('services.txt')).status).toBe(404);
    expect((await get311('services.json?jurisdiction_id=gotham')).status).toBe(404);
  });

  it('takes a request with the client key, routes it, and reports its status and the agency responsible', async () => {
    const fields = {
      api_key: apiKey,
      jurisdiction_id: 'minghu',
      service_code: 'water.leak',
      lat: '42.37',
      long: '-71.08',
      address_string: '12 Lakeside Road',
      description: distinct('Water is bubbling out of the pavement outside no. 12'),
      email: 'resident@example.org',
      first_name: 'Li',
      last_name: 'Ming',
      media_url: 'https://photos.example.org/leak.jpg',
    };
    const created = await post311(fields);
    expect(created.status).toBe(200);
    expectValid(json.created, created.body);
    const id = created.body[0].service_request_id;

    const viaXml = await post311({ ...fields, description: distinct('The same leak, sent as XML') }, 'xml');
    expect(viaXml.status).toBe(200);
    expectValid(xml.created, listOf(fromXml(viaXml.text), 'request'));

    const request = await eventually(async () => {
      const r = await get311(`requests/${id}.json`);
      return r.body[0]?.agency_responsible ? r.body : undefined;
    });
    expectValid(json.requests, request);
    expect(request[0]).toMatchObject({
      service_request_id: id,
      status: 'open',
      service_code: 'water.leak',
      agency_responsible: 'Water Bureau',
      status_notes: 'With Water Bureau.',
      address: '12 Lakeside Road',
      lat: 42.37,
      long: -71.08,
      media_url: 'https://photos.example.org/leak.jpg',
    });
    // Reporters see units, never the staff who handle the case.
    expect(JSON.stringify(request)).not.toMatch(/handler-|resident@example\.org/);
    expectValid(xml.requests, listOf((await get311(`requests/${id}.xml`)).body, 'request'));

    // The case is a Duban case like any other, on the open311 channel, for the client.
    const staff = await api(`/api/v1/cases/${id}`, { token: await tokenFor('dispatcher1') });
    expect(staff.body).toMatchObject({ channel: 'open311', category: 'water.leak' });

    const listed = await get311('requests.json?service_code=water.leak&status=open');
    expectValid(json.requests, listed.body);
    expect(listed.body.map((r: { service_request_id: string }) => r.service_request_id)).toContain(id);
    expectValid(xml.requests, listOf((await get311('requests.xml?service_code=water.leak')).body, 'request'));
  });

  it('keeps confidential channels out of the public list', async () => {
    const operator = await tokenFor('operator1');
    const hotline = await api('/api/v1/cases', {
      method: 'POST',
      token: operator,
      body: { title: 'Caller reports a leak', description: distinct('Leak reported by phone'), category: 'water.leak', caller: { name: 'Wang' } },
    });
    expect(hotline.status).toBe(201);
    expect((await get311(`requests/${hotline.body.id}.json`)).status).toBe(404);
    const listed = await get311('requests.json?service_code=water.leak');
    expect(listed.body.map((r: { service_request_id: string }) => r.service_request_id)).not.toContain(hotline.body.id);
  });

  it('refuses bad requests by field, and files nothing', async () => {
    const good = { api_key: apiKey, service_code: 'water.leak', lat: '42.37', long: '-71.08', description: 'A leak' };
    const before = await get311('requests.json?service_code=water.leak');
    const fieldOf = (r: { body: { errors?: { field: string }[] } }) => r.body.errors?.map((e) => e.field);

    expect((await post311({ ...good, api_key: '' })).status).toBe(403);
    expect((await post311({ ...good, api_key: 'o311_not-a-key' })).status).toBe(403);
    const unknown = await post311({ ...good, service_code: 'no.such-service' });
    expect([unknown.status, fieldOf(unknown)]).toEqual([400, ['service_code']]);
    const nowhere = await post311({ api_key: apiKey, service_code: 'water.leak', description: 'Somewhere' });
    expect([nowhere.status, fieldOf(nowhere)]).toEqual([400, ['lat']]);
    const halfPoint = await post311({ api_key: apiKey, service_code: 'water.leak', lat: '42.37' });
    expect([halfPoint.status, fieldOf(halfPoint)]).toEqual([400, ['long']]);
    const offEarth = await post311({ ...good, lat: '91' });
    expect([offEarth.status, fieldOf(offEarth)]).toEqual([400, ['lat']]);
    const long = await post311({ ...good, description: 'x'.repeat(4001) });
    expect([long.status, fieldOf(long)]).toEqual([400, ['description']]);
    const extra = await post311({ ...good, 'attribute[depth]': '3', status: 'closed' });
    expect(extra.status).toBe(400);
    expect(fieldOf(extra)).toEqual(['attribute[depth]', 'status']);
    expect((await post311({ ...good, jurisdiction_id: 'gotham' })).status).toBe(404);
    expect(unknown.contentType).toMatch(/application\/problem\+json/);

    const badQuery = await get311('requests.json?start_date=yesterday');
    expect([badQuery.status, badQuery.body.errors[0].field]).toEqual([400, 'start_date']);
    const badStatus = await get311('requests.json?status=lost');
    expect([badStatus.status, badStatus.body.errors[0].field]).toEqual([400, 'status']);

    const after = await get311('requests.json?service_code=water.leak');
    expect(after.body.length).toBe(before.body.length);
  });

  it('rates a resolved request for its reporter (a Duban extension), and refuses a rating too early, out of range or from another client', async () => {
    // Somewhere no other open leak is (a report within 50 m of one would be linked to it as a duplicate).
    const spot = { lat: (42.33 + Math.random() * 0.04).toFixed(5), long: (-71.12 + Math.random() * 0.05).toFixed(5) };
    const created = await post311({ api_key: apiKey, service_code: 'water.leak', ...spot, description: distinct('Leak by the bus stop') });
    const id: string = created.body[0].service_request_id;
    const rate = (fields: Record<string, string>) =>
      fetch(`${stack.gatewayUrl}/open311/v2/requests/${id}/rating.json`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const [supervisor, operator, assessor] = await Promise.all(['supervisor1', 'operator1', 'assessor1'].map((u) => tokenFor(u)));
    const unitId: string = await eventually(async () => (await api(`/api/v1/cases/${id}`, { token: supervisor })).body.unitId ?? undefined);
    expect((await rate({ api_key: apiKey, rating: '4' })).status).toBe(409); // not resolved yet
    const handler = await tokenFor(`handler-${unitId}-a`);
    const ws = `/api/v1/workspaces/${id}`;
    await eventually(async () => ((await api(ws, { token: handler })).status === 200 ? true : undefined));
    await api(`${ws}/sign-for`, { method: 'POST', token: handler });
    const photo = await fetch(`${stack.gatewayUrl}${ws}/attachments?name=fixed.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${handler}`, 'content-type': 'image/png' },
      body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    });
    const evidence = ((await photo.json()) as { id: string }).id;
    expect((await api(`${ws}/result`, { method: 'POST', token: handler, body: { summary: 'Pipe clamped', evidence: [evidence] } })).status).toBe(201);
    expect((await api(`${ws}/result/review`, { method: 'POST', token: operator, body: { decision: 'accept' } })).status).toBe(200);
    await eventually(async () => ((await api(`/api/v1/cases/${id}`, { token: supervisor })).body.status === 'resolved' ? true : undefined));

    const outOfRange = await rate({ api_key: apiKey, rating: '9' });
    expect([outOfRange.status, ((await outOfRange.json()) as { errors: { field: string }[] }).errors[0].field]).toEqual([400, 'rating']);
    const other = await api('/api/v1/open311-clients', { method: 'POST', token: admin, body: { name: 'Another app' } });
    expect((await rate({ api_key: other.body.apiKey, rating: '5' })).status).toBe(404);
    const rated = await rate({ api_key: apiKey, rating: '2', comment: 'Still wet' });
    expect(rated.status).toBe(202);
    const kept = await eventually(async () => {
      const r = await api(`/api/v1/assessment/ratings/${id}`, { token: assessor });
      return r.body.ratings?.length === 1 ? r.body.ratings[0] : undefined;
    });
    expect(kept).toMatchObject({ round: 1, level: 'dissatisfied', via: 'open311', comment: 'Still wet' });
    // Dissatisfied: the request is open again.
    await eventually(async () => ((await get311(`requests/${id}.json`)).body[0].status === 'open' ? true : undefined));
  });

  it('stops taking requests from a revoked client', async () => {
    expect((await api(`/api/v1/open311-clients/${clientId}`, { method: 'DELETE', token: admin })).status).toBe(204);
    const refused = await post311({ api_key: apiKey, service_code: 'water.leak', lat: '42.37', long: '-71.08' });
    expect(refused.status).toBe(403);
  });
});
