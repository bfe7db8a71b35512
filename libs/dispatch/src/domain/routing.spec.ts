import { decide, Post, RoutingRule, Unit } from './routing';

const units = new Map<string, Unit>(
  [
    { id: 'water', nameZh: '水务局', nameEn: 'Water Bureau', parentId: 'city' },
    { id: 'supervision-office', nameZh: '督查室', nameEn: 'Supervision Office', parentId: 'city' },
  ].map((u) => [u.id, u]),
);
const rules: RoutingRule[] = [{ id: 'water.leak', version: 2, category: 'water.leak', unitId: 'water' }];
const posts = (aAbsent: boolean): Post[] => [
  { unitId: 'water', username: 'handler-water-a', post: 'A', absent: aAbsent },
  { unitId: 'water', username: 'handler-water-b', post: 'B', absent: false },
];

describe('decide', () => {
  it('routes by category to the A post and says which rule decided', () => {
    const d = decide('water.leak', rules, units, posts(false));
    expect(d.unit.id).toBe('water');
    expect(d.assignee).toBe('handler-water-a');
    expect(d.rule).toEqual({ id: 'water.leak', version: 2 });
    expect(d.reason).toContain('rule water.leak v2');
  });

  it('gives the case to the B post when A is absent', () => {
    expect(decide('water.leak', rules, units, posts(true)).assignee).toBe('handler-water-b');
  });

  it('sends a case no rule covers to the coordinator queue', () => {
    const d = decide('unknown.thing', rules, units, posts(false));
    expect(d.unit.id).toBe('supervision-office');
    expect(d.assignee).toBeNull();
    expect(d.rule.id).toBe('coordinator-fallback');
  });
});
