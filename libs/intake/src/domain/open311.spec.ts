import { documentXml, Open311Attribute, open311Status, readAttributes, readSubmission, splitFormat, statusNotes, toXml } from './open311';

describe('Open311 helpers', () => {
  it('splits the format from names that contain dots', () => {
    expect(splitFormat('services.json')).toEqual({ name: 'services', format: 'json' });
    expect(splitFormat('water.leak.XML')).toEqual({ name: 'water.leak', format: 'xml' });
    expect(splitFormat('services')).toBeUndefined();
    expect(splitFormat('services.csv')).toBeUndefined();
  });

  it('maps statuses and never names staff in status notes', () => {
    expect(open311Status('assigned')).toBe('open');
    expect(open311Status('resolved')).toBe('closed');
    expect(statusNotes('assigned', 'Water Bureau')).toBe('With Water Bureau.');
    expect(statusNotes('received', null)).toMatch(/routed/);
  });

  it('reads a submission: bounded fields, location required, unknown fields refused by name', () => {
    const ok = readSubmission({ service_code: 'water.leak', lat: '42.3', long: '-71.1', first_name: 'Li', last_name: 'Ming', email: 'a@b.c', api_key: 'k' });
    expect(ok.errors).toEqual([]);
    expect(ok.submission).toMatchObject({ serviceCode: 'water.leak', point: { lat: 42.3, lon: -71.1 }, contact: { name: 'Li Ming', email: 'a@b.c' } });
    const fields = (form: Record<string, unknown>) => readSubmission(form).errors.map((e) => e.field);
    expect(fields({ service_code: 'x' })).toEqual(['lat']);
    expect(fields({ service_code: 'x', address_string: 'Main St' })).toEqual([]);
    expect(fields({ lat: '1', long: '2' })).toEqual(['service_code']);
    expect(fields({ service_code: 'x', lat: 'north', long: '2' })).toEqual(['lat']);
    expect(fields({ service_code: 'x', address_id: 'a1', description: 'y'.repeat(4001) })).toEqual(['description']);
    expect(fields({ service_code: ['a', 'b'], address_id: 'a1' })).toEqual(['service_code', 'service_code']);
    expect(fields({ service_code: 'x', address_id: 'a1', media_url: 'javascript:alert(1)', email: 'nope', 'attribute[x]': '1', 'attribute[bad code!]': '1', colour: 'red' })).toEqual([
      'attribute[bad code!]',
      'colour',
      'media_url',
      'email',
    ]);
  });

  it('collects attribute[code] and attribute[code][] values for the service to check', () => {
    expect(readSubmission({ service_code: 'x', address_id: 'a1', 'attribute[where]': 'street', 'attribute[problems][]': ['dark', 'flickering'] }).attributes).toEqual({
      where: 'street',
      problems: ['dark', 'flickering'],
    });
  });

  it("checks attribute values against the service's attributes: required, datatype, list keys, unknown codes", () => {
    const definitions: Open311Attribute[] = [
      { variable: true, code: 'size', datatype: 'singlevaluelist', required: true, order: 1, description: 'Size', values: [{ key: 'small', name: 'Small' }, { key: 'large', name: 'Large' }] },
      { variable: true, code: 'lanes', datatype: 'number', required: false, order: 2, description: 'Lanes' },
      { variable: true, code: 'problems', datatype: 'multivaluelist', required: false, order: 3, description: 'Problems', values: [{ key: 'dark', name: 'Dark' }, { key: 'flickering', name: 'Flickering' }] },
      { variable: true, code: 'seen', datatype: 'datetime', required: false, order: 4 },
    ];
    const ok = readAttributes('road', definitions, { size: 'large', lanes: '2', problems: ['dark', 'flickering'], seen: '2026-12-01T08:00:00+08:00' });
    expect(ok.errors).toEqual([]);
    expect(ok.values).toEqual({ size: 'large', lanes: 2, problems: ['dark', 'flickering'], seen: '2026-12-01T00:00:00.000Z' });
    expect(ok.lines).toEqual(['Size: Large', 'Lanes: 2', 'Problems: Dark; Flickering', 'seen: 2026-12-01T00:00:00.000Z']);
    const fields = (raw: Record<string, string | string[]>) => readAttributes('road', definitions, raw).errors.map((e) => `${e.field} ${e.detail}`);
    expect(fields({})).toEqual(['attribute[size] is required']);
    expect(fields({ size: 'huge', lanes: 'two', depth: '3' })).toEqual([
      'attribute[depth] service "road" has no attribute "depth"',
      'attribute[size] must be one of small, large',
      'attribute[lanes] must be a number',
    ]);
    expect(fields({ size: ['small', 'large'], problems: ['dark', 'dark'], seen: 'yesterday' })).toEqual([
      'attribute[size] must be given once',
      'attribute[problems] names a value twice',
      'attribute[seen] must be a W3C date-time, e.g. 2026-11-01T08:00:00+08:00',
    ]);
  });

  it('writes a document as GeoReport XML in field order, lists as repeated singular elements', () => {
    expect(documentXml('discovery', { changeset: 'c', endpoints: [{ url: 'u', formats: ['text/xml', 'application/json'] }] })).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n<discovery><changeset>c</changeset><endpoints><endpoint><url>u</url><formats><format>text/xml</format><format>application/json</format></formats></endpoint></endpoints></discovery>\n',
    );
  });

  it('writes GeoReport XML with escaping and empty elements for nulls', () => {
    expect(toXml('services', 'service', [{ service_code: 'a&b', group: null, metadata: false }])).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n<services><service><service_code>a&amp;b</service_code><group/><metadata>false</metadata></service></services>\n',
    );
  });
});
