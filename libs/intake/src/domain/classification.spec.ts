import { classify, urgencyKeywords } from './classification';

const categories = [
  { code: 'water.leak', tier: 'immediate' as const, keywords: { zh: ['漏水', '水管破裂'], en: ['leak', 'water main'] } },
  { code: 'housing.repair', tier: 'general' as const, keywords: { zh: ['维修', '房屋'], en: ['repair', 'ceiling'] } },
  { code: 'environment.noise', tier: 'general' as const, keywords: { zh: ['噪声', '噪音'], en: ['noise', 'loud'] } },
];

describe('classification by keywords', () => {
  it('finds the category from Chinese text', () => {
    expect(classify('小区门口水管破裂，路面全是水', categories)).toEqual({ category: 'water.leak', matched: ['水管破裂'] });
  });

  it('matches English words whole and in any case', () => {
    expect(classify('LOUD music next door every night', categories)?.category).toBe('environment.noise');
    expect(classify('the leakage report', categories)).toBeUndefined();
  });

  it('prefers the more specific match', () => {
    expect(classify('维修以后水管破裂又漏水', categories)?.category).toBe('water.leak');
  });

  it('returns nothing when no keyword matches', () => {
    expect(classify('一般咨询', categories)).toBeUndefined();
  });

  it('spots urgency and safety words', () => {
    expect(urgencyKeywords('楼道起火，有人被困')).toEqual(['起火', '被困']);
    expect(urgencyKeywords('There is a gas leak, somebody is injured')).toEqual(['gas leak', 'injured']);
    expect(urgencyKeywords('The streetlight is out')).toEqual([]);
  });
});
