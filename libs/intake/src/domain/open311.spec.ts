import { open311Status, readSubmission, splitFormat, statusNotes, toXml } from './open311';

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
    expect(fields({ service_code: 'x', address_id: 'a1', media_url: 'javascript:alert(1)', email: 'nope', 'attribute[x]': '1', colour: 'red' })).toEqual([
      'attribute[x]',
      'colour',
      'media_url',
      'email',
    ]);
  });

  it('writes GeoReport XML with escaping and empty elements for nulls', () => {
    expect(toXml('services', 'service', [{ service_code: 'a&b', group: null, metadata: false }])).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n<services><service><service_code>a&amp;b</service_code><group/><metadata>false</metadata></service></services>\n',
    );
  });
});
