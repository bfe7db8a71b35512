import { Area, areaProblem, contains } from './area';

const square: Area = { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]] };
const withHole: Area = {
  type: 'Polygon',
  coordinates: [
    [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
    [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
  ],
};

describe('contains (point in polygon)', () => {
  it('tells inside from outside, with lon/lat in GeoJSON order', () => {
    expect(contains(square, { lon: 5, lat: 5 })).toBe(true);
    expect(contains(square, { lon: 11, lat: 5 })).toBe(false);
    expect(contains(square, { lon: 5, lat: -0.1 })).toBe(false);
  });

  it('counts points on an edge or a corner as inside', () => {
    expect(contains(square, { lon: 10, lat: 5 })).toBe(true);
    expect(contains(square, { lon: 0, lat: 0 })).toBe(true);
  });

  it('excludes holes', () => {
    expect(contains(withHole, { lon: 5, lat: 5 })).toBe(false);
    expect(contains(withHole, { lon: 2, lat: 2 })).toBe(true);
  });

  it('handles concave shapes and multipolygons', () => {
    // A "U": the notch between the arms is outside.
    const u: Area = { type: 'Polygon', coordinates: [[[0, 0], [9, 0], [9, 9], [6, 9], [6, 3], [3, 3], [3, 9], [0, 9]]] };
    expect(contains(u, { lon: 4.5, lat: 6 })).toBe(false);
    expect(contains(u, { lon: 1.5, lat: 6 })).toBe(true);
    const islands: Area = { type: 'MultiPolygon', coordinates: [square.coordinates, [[[20, 20], [30, 20], [30, 30], [20, 30]]]] };
    expect(contains(islands, { lon: 25, lat: 25 })).toBe(true);
    expect(contains(islands, { lon: 15, lat: 15 })).toBe(false);
  });

  it('names what makes an area unusable', () => {
    expect(areaProblem(square)).toBeUndefined();
    expect(areaProblem({ type: 'Polygon', coordinates: [[[0, 0], [1, 1]]] })).toMatch(/fewer than 3/);
    expect(areaProblem({ type: 'Polygon', coordinates: [[[0, 0], [1, 95], [2, 0]]] })).toMatch(/outside WGS 84/);
    expect(areaProblem({ type: 'MultiPolygon', coordinates: [] })).toMatch(/no polygon/);
  });
});
