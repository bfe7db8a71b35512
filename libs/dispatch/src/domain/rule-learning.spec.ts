import { learnRules, PastCase } from './rule-learning';
import { RuleBook } from './routing';

const DAY = 86_400_000;
const ref = Date.UTC(2015, 6, 1);
const past = (category: string, districtId: string | null, unitId: string, daysAgo: number): PastCase => ({ category, districtId, unitId, at: ref - daysAgo * DAY });
const options = { reference: ref, halfLifeDays: 60, minSupport: 2, minGain: 1 };

describe('learnRules', () => {
  it('learns the city-wide unit per category and a district rule only where another unit clearly leads', () => {
    const history = [
      past('lights', 'd1', 'central', 1),
      past('lights', 'd1', 'central', 2),
      past('lights', 'd2', 'north', 1),
      past('lights', 'd2', 'north', 2),
      past('lights', 'd2', 'north', 3),
      past('lights', 'd3', 'south', 1), // one case: below the support
      past('lights', null, 'central', 5),
      past('lights', 'd1', 'central', 6),
    ];
    const rules = learnRules(history, options);
    expect(rules.map((r) => [r.id, r.unitId])).toEqual([
      ['lights', 'central'],
      ['lights@d2', 'north'],
    ]);
    const book = new RuleBook(rules);
    expect(book.match('lights', ['d2'])?.unitId).toBe('north');
    expect(book.match('lights', ['d3'])?.unitId).toBe('central');
  });

  it('weighs recent cases more, so a reorganisation wins once it has happened often enough', () => {
    const history = [past('bins', null, 'old-crew', 200), past('bins', null, 'old-crew', 190), past('bins', null, 'new-crew', 3)];
    // Two cases half a year old weigh 2 × 0.5^(~3.2) ≈ 0.2 against one of 3 days ≈ 0.97.
    expect(learnRules(history, options)[0].unitId).toBe('new-crew');
    expect(learnRules(history, { ...options, halfLifeDays: 10_000 })[0].unitId).toBe('old-crew');
  });

  it('ignores cases at or after the reference moment, and breaks ties by the latest case', () => {
    const history = [past('x', null, 'a', 1), past('x', null, 'b', 1), past('x', null, 'c', -1)];
    expect(learnRules(history, { ...options, halfLifeDays: 1e12 })[0].unitId).toBe('a');
    const tie = [past('y', null, 'a', 2), past('y', null, 'b', 2), { ...past('y', null, 'b', 2), at: ref - 2 * DAY + 1 }, past('y', null, 'a', 2)];
    expect(learnRules(tie, { ...options, halfLifeDays: 1e12 })[0].unitId).toBe('b');
  });
});
