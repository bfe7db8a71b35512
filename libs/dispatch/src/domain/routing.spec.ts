import { Area } from '@duban/geo';
import { categoryLineage, choosePerson, decide, District, Post, resolvePlace, RuleBook, StaffState, Unit } from './routing';

const unit = (id: string, nameEn = id): Unit => ({ id, nameZh: id, nameEn, parentId: 'city' });
const units = new Map(['water', 'urban-management', 'hudong-wanghu', 'supervision-office'].map((id) => [id, unit(id)]));
const box = (x0: number, y0: number, x1: number, y1: number): Area => ({
  type: 'Polygon',
  coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
});
const districts = new Map<string, District>(
  [
    { id: 'hudong', scheme: 'district', parentId: null, area: box(0, 0, 10, 10) },
    { id: 'hudong-wanghu', scheme: 'subdistrict', parentId: 'hudong', area: box(0, 0, 5, 5) },
    { id: 'huxi', scheme: 'district', parentId: null, area: box(10, 0, 20, 10) },
  ].map((d) => [d.id, d]),
);
const ranks = new Map([
  ['subdistrict', 2],
  ['district', 1],
]);
const nobody: StaffState = { absent: new Set(), load: new Map(), typicalMinutes: new Map() };
const posts: Post[] = [
  { unitId: 'water', username: 'water-a', post: 'A' },
  { unitId: 'water', username: 'water-b', post: 'B' },
  { unitId: 'water', username: 'water-head', post: 'head' },
  { unitId: 'supervision-office', username: 'so-a', post: 'A' },
];
const book = new RuleBook([
  { id: 'r-water', version: 3, category: 'water', districtId: null, unitId: 'water' },
  { id: 'r-clean', version: 1, category: 'urban.street-cleaning', districtId: null, unitId: 'urban-management' },
  { id: 'r-clean-wanghu', version: 2, category: 'urban.street-cleaning', districtId: 'hudong-wanghu', unitId: 'hudong-wanghu' },
]);

describe('resolvePlace', () => {
  it('finds the districts of a point, most specific first, with their parents', () => {
    expect(resolvePlace({ point: { lat: 2, lon: 2 } }, districts, ranks)).toEqual(['hudong-wanghu', 'hudong']);
    expect(resolvePlace({ point: { lat: 2, lon: 15 } }, districts, ranks)).toEqual(['huxi']);
    expect(resolvePlace({ point: { lat: 50, lon: 50 } }, districts, ranks)).toEqual([]);
  });

  it('takes a named district code and its ancestors, and ignores unknown codes', () => {
    expect(resolvePlace({ district: 'hudong-wanghu' }, districts, ranks)).toEqual(['hudong-wanghu', 'hudong']);
    expect(resolvePlace({ district: 'atlantis' }, districts, ranks)).toEqual([]);
    expect(resolvePlace(undefined, districts, ranks)).toEqual([]);
  });
});

describe('RuleBook.match', () => {
  it('prefers the most specific jurisdiction, then city-wide', () => {
    expect(book.match('urban.street-cleaning', ['hudong-wanghu', 'hudong'])?.id).toBe('r-clean-wanghu');
    expect(book.match('urban.street-cleaning', ['huxi'])?.id).toBe('r-clean');
    expect(book.match('urban.street-cleaning', [])?.id).toBe('r-clean');
  });

  it('falls back from a sub-class to its class', () => {
    expect(categoryLineage('water.leak.main')).toEqual(['water.leak.main', 'water.leak', 'water']);
    expect(book.match('water.leak', [])?.id).toBe('r-water');
    expect(book.match('parks.tree', [])).toBeUndefined();
  });

  it('skips units that may not be chosen', () => {
    expect(book.match('urban.street-cleaning', ['hudong-wanghu'], (u) => u !== 'hudong-wanghu')?.id).toBe('r-clean');
  });
});

describe('choosePerson', () => {
  it('gives the A post the case, and B only when A is absent', () => {
    expect(choosePerson('water', posts, nobody).person?.username).toBe('water-a');
    const aAway = choosePerson('water', posts, { ...nobody, absent: new Set(['water-a']) });
    expect(aAway.person?.username).toBe('water-b');
    expect(aAway.why).toMatch(/A absent/);
    const allAway = choosePerson('water', posts, { ...nobody, absent: new Set(['water-a', 'water-b']) });
    expect(allAway.person).toBeNull();
    expect(allAway.why).toMatch(/unit queue/);
  });

  it('picks among several A posts by load and by typical handling time for the category', () => {
    const many: Post[] = ['a1', 'a2', 'a3'].map((u) => ({ unitId: 'water', username: u, post: 'A' }));
    expect(choosePerson('water', many, { ...nobody, load: new Map([['a1', 2], ['a2', 0], ['a3', 1]]) }).person?.username).toBe('a2');
    // a1 has more open cases but finishes this category three times faster: (2+1)×60 < (0+1)×600.
    const fast = { ...nobody, load: new Map([['a1', 2], ['a2', 0], ['a3', 5]]), typicalMinutes: new Map([['a1', 60], ['a2', 600]]) };
    const chosen = choosePerson('water', many, fast);
    expect(chosen.person?.username).toBe('a1');
    expect(chosen.why).toMatch(/2 open, typically 1\.0 h/);
  });
});

describe('decide', () => {
  it('explains the rule, version, place and person', () => {
    const d = decide({ category: 'urban.street-cleaning', places: ['hudong-wanghu', 'hudong'], rules: book, units, posts, staff: nobody });
    expect(d.unit.id).toBe('hudong-wanghu');
    expect(d.rule).toEqual({ id: 'r-clean-wanghu', version: 2 });
    expect(d.via).toBe('rule');
    expect(d.reason).toMatch(/rule r-clean-wanghu v2: urban\.street-cleaning in hudong-wanghu/);
  });

  it('re-routes without the units that returned the case', () => {
    const d = decide({ category: 'urban.street-cleaning', places: ['hudong-wanghu'], rules: book, units, posts, staff: nobody, exclude: new Set(['hudong-wanghu']) });
    expect(d.unit.id).toBe('urban-management');
    expect(d.via).toBe('reroute');
  });

  it('sends what no rule covers, or what only a returning unit covers, to the coordinator queue', () => {
    const none = decide({ category: 'parks.tree', places: [], rules: book, units, posts, staff: nobody });
    expect(none.unit.id).toBe('supervision-office');
    expect(none.assignee).toBe('so-a');
    expect(none.via).toBe('coordinator');
    const returned = decide({ category: 'water.leak', places: [], rules: book, units, posts, staff: nobody, exclude: new Set(['water']) });
    expect(returned.via).toBe('coordinator');
  });

  it('ignores a rule whose unit left the directory', () => {
    const stale = new RuleBook([{ id: 'gone', version: 1, category: 'water', districtId: null, unitId: 'old-water' }]);
    expect(decide({ category: 'water.leak', places: [], rules: stale, units, posts, staff: nobody }).via).toBe('coordinator');
  });
});
