import { categoryIndex, channelOf, parseBostonTime, ReplaySummary, toSubmission, BostonRow } from './replay';

const index = categoryIndex({
  classes: [{ subclasses: [{ code: 'public-works.streetlight', boston: { types: ['Street Light Outages'] } }] }],
});

const row: BostonRow = {
  CASE_ENQUIRY_ID: '101001240735',
  OPEN_DT: '01/01/2015 12:25:23 AM',
  CASE_TITLE: 'PRINTED',
  SUBJECT: 'Public Works Department',
  REASON: 'Street Lights',
  TYPE: 'Street Light Outages',
  Source: 'Citizens Connect App',
  neighborhood: 'Fenway / Kenmore / Audubon Circle / Longwood',
  LOCATION_STREET_NAME: '145-151 Ipswich St',
  LATITUDE: '42.3474',
  LONGITUDE: '-71.0944',
};

describe('replay of Boston 311 rows', () => {
  it('reads Boston times, noon and midnight included', () => {
    expect(parseBostonTime('01/01/2015 12:25:23 AM')).toBe(Date.UTC(2015, 0, 1, 0, 25, 23));
    expect(parseBostonTime('01/01/2015 12:25:23 PM')).toBe(Date.UTC(2015, 0, 1, 12, 25, 23));
    expect(parseBostonTime('bad')).toBeNaN();
  });

  it('maps the channel', () => {
    expect(channelOf('Constituent Call')).toBe('hotline');
    expect(channelOf('Citizens Connect App')).toBe('app');
    expect(channelOf('Employee Generated')).toBe('inspection');
    expect(channelOf('Self Service')).toBe('web');
  });

  it('turns a row into a case submission at its offset', () => {
    const s = toSubmission(row, Date.UTC(2015, 0, 1, 0, 0, 0), index);
    expect(s).toMatchObject({
      offsetMs: 25 * 60_000 + 23_000,
      body: {
        category: 'public-works.streetlight',
        channel: 'app',
        location: { address: '145-151 Ipswich St', point: { lat: 42.3474, lon: -71.0944 }, district: 'Fenway / Kenmore / Audubon Circle / Longwood' },
      },
    });
  });

  it('gives inspection findings their source reference', () => {
    const s = toSubmission({ ...row, Source: 'Employee Generated' }, 0, index);
    expect(s).toMatchObject({ body: { channel: 'inspection', sourceReference: 'Boston 311 case 101001240735' } });
  });

  it('says why a row cannot be replayed', () => {
    expect(toSubmission({ ...row, TYPE: 'Unknown Thing' }, 0, index)).toEqual({ skipped: 'no category for Boston type "Unknown Thing"' });
    expect(toSubmission({ ...row, LATITUDE: '0', LONGITUDE: '0' }, 0, index)).not.toHaveProperty('body.location.point');
  });

  it('summarises by reason, category and unit', () => {
    const summary = new ReplaySummary();
    summary.submitted = 3;
    summary.accepted = 2;
    ReplaySummary.bump(summary.byCategory, 'water.leak');
    ReplaySummary.bump(summary.byCategory, 'water.leak');
    ReplaySummary.bump(summary.rejected, '400 category: unknown category');
    ReplaySummary.bump(summary.byUnit, 'water');
    const text = summary.render();
    expect(text).toContain('submitted 3, accepted 2, rejected 1');
    expect(text).toMatch(/2 {2}water\.leak/);
    expect(text).toContain('400 category: unknown category');
  });
});
