import { api, distinct, eventually, stack, tokenFor } from '@duban/testing';
import { expectWellFormed, expectElementOrder, fieldsOf, json, xml, expectValid, fromXml, listOf, post311, get311, expectErrors } from './georeport.e2e-helper';

jest.setTimeout(120_000);


describe('Open311 GeoReport v2 through the gateway', () => {
  let apiKey: string;
  let clientId: string;
  let admin: string;

  beforeAll(async () => {
    admin = await tokenFor('admin1');
    const refused = await api('/api/v1/open311-clients', { method: 'POST', token: await tokenFor('dispatcher1'), body: { name: 'Not mine to make' } });
    expect(refused.status).toBe(403);
    const created = await api('/api/v1/open311-clients', { method: 'POST', token: admin, body: { name: 'Minghu city app' } });
    expect(created.body.answersWithToken).toBe(false);
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
    expect(services.body.find((s: { service_code: string }) => s.service_code === 'water.leak')).toMatchObject({ metadata: true, type: 'realtime' });
    expect(services.body.find((s: { service_code: string }) => s.service_code === 'water.no-supply')).toMatchObject({ metadata: false });
    expect(services.body.length).toBe(144);

    const asXml = await get311('services.xml');
    expect(asXml.contentType).toMatch(/application\/xml/);
    expectValid(xml.services, listOf(asXml.body, 'service'));
    expectElementOrder(asXml.text, 'service', fieldsOf('Service'));

    // A service with attributes defines them (GeoReport's attribute[code] on POST).
    const definition = await get311('services/water.leak.json');
    expectValid(json.definition, definition.body);
    expect(definition.body.attributes.map((a: { code: string }) => a.code)).toEqual(['where', 'flow']);
    expect(definition.body.attributes[0]).toMatchObject({ variable: true, datatype: 'singlevaluelist', required: false, values: expect.arrayContaining([{ key: 'pavement', name: expect.any(String) }]) });
    const xmlAnswer = await get311('services/water.leak.xml');
    const xmlDefinition = xmlAnswer.body as { attributes: unknown };
    const xmlAttributes = listOf(xmlDefinition.attributes, 'attribute').map((a) => ({ ...(a as object), values: listOf((a as { values: unknown }).values, 'value') }));
    expectValid(xml.definition, { ...xmlDefinition, attributes: xmlAttributes });
    expectElementOrder(xmlAnswer.text, 'service_definition', fieldsOf('ServiceDefinition'));
    expectElementOrder(xmlAnswer.text, 'attribute', fieldsOf('ServiceAttribute'), { values: { item: 'value', fields: fieldsOf('AttributeValue') } });
    const plain = await get311('services/water.no-supply.xml');
    expectValid(xml.definition, { ...(plain.body as object), attributes: [] });
    expect(expectErrors(await get311('services/no.such-service.json'), 404)).toHaveLength(1);
    expect(expectErrors(await get311('services/no.such-service.xml'), 404, 'xml')).toHaveLength(1);
    expectErrors(await get311('services.txt'), 404);
    expect(expectErrors(await get311('services.json?jurisdiction_id=gotham'), 404)).toEqual(['jurisdiction_id']);
    expect(expectErrors(await get311('services.xml?jurisdiction_id=gotham'), 404, 'xml')).toEqual(['jurisdiction_id']);
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
    expectElementOrder(viaXml.text, 'request', fieldsOf('RequestResponse'));

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
    const oneXml = await get311(`requests/${id}.xml`);
    expectValid(xml.requests, listOf(oneXml.body, 'request'));
    expectElementOrder(oneXml.text, 'request', fieldsOf('Request'));

    // The case is a Duban case like any other, on the open311 channel, for the client.
    const staff = await api(`/api/v1/cases/${id}`, { token: await tokenFor('dispatcher1') });
    expect(staff.body).toMatchObject({ channel: 'open311', category: 'water.leak' });

    const listed = await get311('requests.json?service_code=water.leak&status=open');
    expectValid(json.requests, listed.body);
    expect(listed.body.map((r: { service_request_id: string }) => r.service_request_id)).toContain(id);
    const listedXml = await get311('requests.xml?service_code=water.leak');
    expectValid(xml.requests, listOf(listedXml.body, 'request'));
    expectElementOrder(listedXml.text, 'request', fieldsOf('Request'));
    // Comma-separated ids, and the status filter.
    const second = (listOf(viaXml.body, 'request')[0] as { service_request_id: string }).service_request_id;
    const both = await get311(`requests.json?service_request_id=${id},${second}`);
    expect(both.body.map((r: { service_request_id: string }) => r.service_request_id).sort()).toEqual([id, second].sort());
    // The second report repeats the first (same place) and shows its progress — never updated before it was requested.
    for (const r of both.body as { requested_datetime: string; updated_datetime: string }[]) expect(Date.parse(r.updated_datetime)).toBeGreaterThanOrEqual(Date.parse(r.requested_datetime));
    expect((await get311(`requests.json?service_request_id=${id}&status=closed`)).body).toEqual([]);
    // A date window around the filing finds it; one that ended before it does not.
    const hour = 3_600_000;
    const around = await get311(`requests.json?service_code=water.leak&start_date=${new Date(Date.now() - hour).toISOString()}&end_date=${new Date(Date.now() + hour).toISOString()}`);
    expect(around.body.map((r: { service_request_id: string }) => r.service_request_id)).toContain(id);
    const before = await get311(`requests.json?service_code=water.leak&start_date=${new Date(Date.now() - 48 * hour).toISOString()}&end_date=${new Date(Date.now() - 24 * hour).toISOString()}`);
    expect(before.body.map((r: { service_request_id: string }) => r.service_request_id)).not.toContain(id);
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

    // GeoReport's error list (not problem+json), in the format asked for, with the spec's statuses.
    expect(expectErrors(await post311({ ...good, api_key: '' }), 403)).toEqual(['api_key']);
    expect(expectErrors(await post311({ ...good, api_key: 'o311_not-a-key' }, 'xml'), 403, 'xml')).toEqual(['api_key']);
    expect(expectErrors(await post311({ ...good, service_code: 'no.such-service' }), 400)).toEqual(['service_code']);
    expect(expectErrors(await post311({ ...good, service_code: 'no.such-service' }, 'xml'), 400, 'xml')).toEqual(['service_code']);
    expect(expectErrors(await post311({ api_key: apiKey, service_code: 'water.leak', description: 'Somewhere' }), 400)).toEqual(['lat']);
    expect(expectErrors(await post311({ api_key: apiKey, service_code: 'water.leak', lat: '42.37' }), 400)).toEqual(['long']);
    expect(expectErrors(await post311({ ...good, lat: '91' }), 400)).toEqual(['lat']);
    expect(expectErrors(await post311({ ...good, description: 'x'.repeat(4001) }), 400)).toEqual(['description']);
    // Every wrong field at once: an unknown field, an attribute the service does not have, a bad value of one it has.
    expect(expectErrors(await post311({ ...good, 'attribute[depth]': '3', 'attribute[where]': 'roof', status: 'closed' }, 'xml'), 400, 'xml')).toEqual([
      'status',
      'attribute[depth]',
      'attribute[where]',
    ]);
    // A required attribute (road damage asks for its size).
    expect(expectErrors(await post311({ ...good, service_code: 'transport.road-damage' }), 400)).toEqual(['attribute[size]']);
    expect(expectErrors(await post311({ ...good, jurisdiction_id: 'gotham' }), 404)).toEqual(['jurisdiction_id']);

    expect(expectErrors(await get311('requests.json?start_date=yesterday'), 400)).toEqual(['start_date']);
    expect(expectErrors(await get311('requests.xml?status=lost'), 400, 'xml')).toEqual(['status']);
    expectErrors(await get311('requests/not-an-id.xml'), 404, 'xml');
    expectErrors(await get311(`requests/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}.json`), 404);
    // Errors the gateway answers itself take the same form under /open311/.
    expectErrors(await get311('nothing.xml', '/open311/v3/'), 404, 'xml');

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

    const outOfRangeXml = await fetch(`${stack.gatewayUrl}/open311/v2/requests/${id}/rating.xml`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: apiKey, rating: '0' }).toString(),
    });
    const xmlText = await outOfRangeXml.text();
    expectWellFormed(xmlText);
    expect(expectErrors({ status: outOfRangeXml.status, contentType: outOfRangeXml.headers.get('content-type') ?? '', text: xmlText, body: fromXml(xmlText) }, 400, 'xml')).toEqual(['rating']);
    const outOfRange = await rate({ api_key: apiKey, rating: '9' });
    expect([outOfRange.status, await outOfRange.json()]).toEqual([400, [{ code: 400, description: expect.stringMatching(/^rating: /) }]]);
    const other = await api('/api/v1/open311-clients', { method: 'POST', token: admin, body: { name: 'Another app' } });
    expect((await rate({ api_key: other.body.apiKey, rating: '5' })).status).toBe(404);
    const rated = await rate({ api_key: apiKey, rating: '2', comment: 'Still wet' });
    expect(rated.status).toBe(202);
    expectValid(json.created, await rated.json());
    const kept = await eventually(async () => {
      const r = await api(`/api/v1/assessment/ratings/${id}`, { token: assessor });
      return r.body.ratings?.length === 1 ? r.body.ratings[0] : undefined;
    });
    expect(kept).toMatchObject({ round: 1, level: 'dissatisfied', via: 'open311', comment: 'Still wet' });
    // Dissatisfied: the request is open again.
    await eventually(async () => ((await get311(`requests/${id}.json`)).body[0].status === 'open' ? true : undefined));
  });

  it('starts from Service Discovery (JSON and XML) and follows it to the endpoint', async () => {
    const discovery = await get311('discovery.json', '/open311/');
    expect(discovery.status).toBe(200);
    expectValid(json.discovery, discovery.body);
    const [endpoint] = discovery.body.endpoints;
    expect(endpoint).toMatchObject({ specification: 'http://wiki.open311.org/GeoReport_v2', type: 'production', formats: ['text/xml', 'application/json'] });
    expect(endpoint.url).toBe(`${stack.gatewayUrl}/open311/v2`);

    const asXml = await get311('discovery.xml', '/open311/');
    expect(asXml.contentType).toMatch(/application\/xml/);
    const body = asXml.body as { endpoints: unknown };
    const endpoints = listOf(body.endpoints, 'endpoint').map((e) => ({ ...(e as object), formats: listOf((e as { formats: unknown }).formats, 'format') }));
    expectValid(xml.discovery, { ...body, endpoints });
    expect(endpoints).toEqual(discovery.body.endpoints);
    expectElementOrder(asXml.text, 'discovery', ['changeset', 'contact', 'key_service', 'endpoints']);
    expectElementOrder(asXml.text, 'endpoint', ['specification', 'url', 'changeset', 'type', 'formats']);
    expectErrors(await get311('discovery.csv', '/open311/'), 404);

    // What a client does next: the endpoint it was given answers.
    const services = await fetch(`${endpoint.url}/services.json`);
    expect(services.status).toBe(200);
    expectValid(json.services, await services.json());
  });

  it('files the attributes a service asks for with the case, in words its staff read', async () => {
    const created = await post311({
      api_key: apiKey,
      service_code: 'public-works.streetlight',
      lat: (42.33 + Math.random() * 0.04).toFixed(5),
      long: (-71.12 + Math.random() * 0.05).toFixed(5),
      description: distinct('The lamp outside the library'),
      'attribute[pole_number]': 'SL-2231',
      'attribute[problems][]': 'dark',
    });
    expect(created.status).toBe(200);
    const id: string = created.body[0].service_request_id;
    const staff = await api(`/api/v1/cases/${id}`, { token: await tokenFor('dispatcher1') });
    expect(staff.body.description).toContain('SL-2231');
    expect(staff.body.description).toContain('Off at night');
  });

  it('answers a client that asked for tokens with a token, which names its request (JSON and XML)', async () => {
    const client = await api('/api/v1/open311-clients', { method: 'POST', token: admin, body: { name: 'Batch uploader', answersWithToken: true } });
    expect(client.body.answersWithToken).toBe(true);
    const fields = { api_key: client.body.apiKey, service_code: 'water.leak', address_string: `${Math.floor(Math.random() * 900) + 100} Harbour Road`, description: distinct('Leak at the harbour') };
    const created = await post311(fields);
    expect(created.status).toBe(200);
    expectValid(json.created, created.body);
    const { token } = created.body[0];
    expect(token).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body[0].service_request_id).toBeUndefined();
    const resolved = await get311(`tokens/${token}.json`);
    expectValid(json.token, resolved.body);
    const id: string = resolved.body[0].service_request_id;
    expect((await get311(`requests/${id}.json`)).body[0]).toMatchObject({ service_request_id: id, service_code: 'water.leak' });
    const resolvedXml = await get311(`tokens/${token}.xml`);
    expectValid(xml.token, listOf(resolvedXml.body, 'request'));
    expectElementOrder(resolvedXml.text, 'request', fieldsOf('TokenResponse'));
    const asXml = await post311({ ...fields, description: distinct('Another leak at the harbour') }, 'xml');
    expectValid(xml.created, listOf(asXml.body, 'request'));
    expectErrors(await get311(`tokens/${'1'.repeat(8)}-1111-4111-8111-${'1'.repeat(12)}.json`), 404);
  });

  it('stops taking requests from a revoked client', async () => {
    expect((await api(`/api/v1/open311-clients/${clientId}`, { method: 'DELETE', token: admin })).status).toBe(204);
    const refused = await post311({ api_key: apiKey, service_code: 'water.leak', lat: '42.37', long: '-71.08' });
    expect(refused.status).toBe(403);
  });
});
