import { categoryIndex } from './boston';
import { missingColumns, rowCase, unknownColumns } from './import-format';
import { csvRows } from '../application/import-runner';

const index = categoryIndex({ classes: [{ subclasses: [{ code: 'public-works.streetlight', boston: { types: ['Street Light Outages'] } }] }] });

describe('bulk import formats', () => {
  it('checks the header row of each format', () => {
    expect(missingColumns('duban', ['title', 'category'])).toEqual(['description']);
    expect(unknownColumns('duban', ['title', 'description', 'colour'])).toEqual(['colour']);
    expect(missingColumns('boston', ['CASE_ENQUIRY_ID', 'TYPE'])).toContain('OPEN_DT');
    expect(unknownColumns('boston', ['CASE_ENQUIRY_ID', 'fire_district'])).toEqual([]);
  });

  it('reads rows with line numbers, keeping rows of the wrong width to reject them', () => {
    const { header, rows } = csvRows('\uFEFFtitle,description\n"A, with comma","multi\nline"\nB\n\nC,D\n');
    expect(header).toEqual(['title', 'description']);
    expect(rows.map((r) => [r.line, r.width, r.values.title])).toEqual([
      [3, 2, 'A, with comma'],
      [4, 1, 'B'],
      [6, 2, 'C'],
    ]);
  });

  it('turns our rows into case bodies, naming the column of each problem', () => {
    expect(rowCase('duban', { title: 'Lamp', description: 'Out', lat: '42.3', lon: '-71', reference: 'r1' }, index)).toEqual({
      body: { title: 'Lamp', description: 'Out', channel: 'import', location: { point: { lat: 42.3, lon: -71 } } },
      reference: 'r1',
    });
    const bad = rowCase('duban', { title: '', description: 'x'.repeat(5001), lat: '95', lon: '0', category: 'Not A Code' }, index);
    expect('errors' in bad && bad.errors.map((e) => e.field).sort()).toEqual(['category', 'description', 'lat', 'title']);
  });

  it('turns Boston rows into cases through the taxonomy', () => {
    const row = {
      CASE_ENQUIRY_ID: '101001240735',
      OPEN_DT: '01/01/2015 12:25:23 AM',
      CASE_TITLE: 'PRINTED',
      SUBJECT: 'Public Works Department',
      REASON: 'Street Lights',
      TYPE: 'Street Light Outages',
      Source: 'Citizens Connect App',
      neighborhood: 'Fenway',
      LOCATION_STREET_NAME: '145 Ipswich St',
      LATITUDE: '42.3474',
      LONGITUDE: '-71.0944',
    };
    expect(rowCase('boston', row, index)).toMatchObject({
      body: { category: 'public-works.streetlight', channel: 'import', location: { point: { lat: 42.3474, lon: -71.0944 } } },
      reference: 'Boston 311 case 101001240735',
    });
    const unknown = rowCase('boston', { ...row, TYPE: 'Snow Plowing' }, index);
    expect('errors' in unknown && unknown.errors[0].field).toBe('TYPE');
  });
});
