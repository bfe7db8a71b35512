import { boundingBox, Candidate, distanceMeters, findOriginal, textSimilarity } from './duplicates';

const policy = { radiusMeters: 50, windowHours: 72, textSimilarity: 0.9 };
const at = (id: string, lat: number | null, lon: number | null, text = 'x', hoursAgo = 1, category = 'water.leak'): Candidate => ({
  id,
  category,
  lat,
  lon,
  text,
  receivedAt: new Date(Date.UTC(2026, 0, 10) - hoursAgo * 3_600_000),
});

describe('duplicates', () => {
  it('measures distances on the sphere', () => {
    expect(distanceMeters({ lat: 42.36, lon: -71.06 }, { lat: 42.36, lon: -71.06 })).toBe(0);
    // 0.001° of latitude ≈ 111 m.
    expect(distanceMeters({ lat: 42.36, lon: -71.06 }, { lat: 42.361, lon: -71.06 })).toBeCloseTo(111.2, 0);
    const box = boundingBox({ lat: 42.36, lon: -71.06 }, 111.2);
    expect(box.maxLat - 42.36).toBeCloseTo(0.001, 5);
    expect(box.maxLon + 71.06).toBeGreaterThan(0.001);
  });

  it('scores near-identical text high in Chinese and English, different text low', () => {
    expect(textSimilarity('Water leaking at 12 Main St!', 'water leaking at 12 main st')).toBe(1);
    expect(textSimilarity('望湖路12号门口自来水管爆裂，水漫到路上', '望湖路12号门口自来水管爆裂,水漫到路上了')).toBeGreaterThan(0.9);
    expect(textSimilarity('Streetlight out on Elm Street', 'Pothole on Oak Avenue')).toBeLessThan(0.3);
    expect(textSimilarity('', '')).toBe(0);
  });

  it('links to the nearest open case of the same category within the radius', () => {
    const found = findOriginal({ category: 'water.leak', point: { lat: 42.36, lon: -71.06 }, text: 'new words' }, [
      at('far', 42.361, -71.06),
      at('near', 42.3601, -71.06),
      at('other-category', 42.36, -71.06, 'x', 1, 'parks.tree'),
    ], policy);
    expect(found).toEqual({ originalId: 'near', reason: 'place', distanceMeters: 11 });
    expect(findOriginal({ category: 'water.leak', point: { lat: 42.36, lon: -71.06 }, text: 'y' }, [at('far', 42.361, -71.06)], policy)).toBeUndefined();
    expect(findOriginal({ category: 'water.leak', point: { lat: 42.36, lon: -71.06 }, text: 'y' }, [at('near', 42.3601, -71.06)], { ...policy, radiusMeters: 0 })).toBeUndefined();
  });

  it('links near-identical text without a place, to the earliest of equals', () => {
    const text = 'The streetlight outside the school gate has been out for a week';
    const found = findOriginal({ category: 'public-works.streetlight', text }, [at('later', null, null, text, 1, 'public-works.streetlight'), at('earlier', null, null, text, 5, 'public-works.streetlight')], policy);
    expect(found).toEqual({ originalId: 'earlier', reason: 'text', similarity: 1 });
    expect(findOriginal({ category: 'x', text: 'Something else entirely' }, [at('a', null, null, text)], policy)).toBeUndefined();
  });

  it('does not call short texts, other categories or far-apart templated texts the same', () => {
    expect(findOriginal({ category: 'water.leak', text: 'Leak!' }, [at('a', null, null, 'Leak!')], policy)).toBeUndefined();
    const text = 'Street Light Outages reported through the city app';
    expect(findOriginal({ category: 'parks.tree', text }, [at('a', null, null, text)], policy)).toBeUndefined();
    // 0.01° of latitude ≈ 1.1 km: more than ten radii apart.
    expect(findOriginal({ category: 'water.leak', point: { lat: 42.37, lon: -71.06 }, text }, [at('a', 42.36, -71.06, text)], policy)).toBeUndefined();
    expect(findOriginal({ category: 'water.leak', point: { lat: 42.3612, lon: -71.06 }, text }, [at('a', 42.36, -71.06, text)], policy)?.reason).toBe('text');
  });
});
