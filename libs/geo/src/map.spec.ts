import { Area, boundsOf, contains, fit, heatGrid, svgPath } from './index';

const square: Area = { type: 'Polygon', coordinates: [[[0, 0], [2, 0], [2, 1], [0, 1], [0, 0]]] };
const far: Area = { type: 'MultiPolygon', coordinates: [[[[3, 0], [4, 0], [4, 1], [3, 0]]]] };

describe('drawing districts and cases on a map', () => {
  it('finds the box of the areas and the points', () => {
    expect(boundsOf([square, far], [{ lat: -1, lon: 1 }])).toEqual({ minLon: 0, maxLon: 4, minLat: -1, maxLat: 1 });
    expect(boundsOf([])).toBeUndefined();
  });

  it('fits the box into the picture, north up, keeping the shape', () => {
    const project = fit({ minLon: 0, maxLon: 2, minLat: 0, maxLat: 1 }, 200, 100, 0);
    const [x0, y0] = project(0, 1);
    expect([x0, y0].map((v) => Math.round(v))).toEqual([0, 0]);
    const [x, y] = project(2, 0);
    // Near the equator a degree of longitude is about as long as one of latitude.
    expect([x, y].map((v) => Math.round(v))).toEqual([200, 100]);
    // Far north a degree of longitude is shorter: the same box is drawn narrower than it is high ×2.
    const north = fit({ minLon: 0, maxLon: 2, minLat: 60, maxLat: 61 }, 200, 100, 0);
    const width = north(2, 60)[0] - north(0, 60)[0];
    expect(width / 100).toBeCloseTo(2 * Math.cos((60.5 * Math.PI) / 180), 3);
  });

  it('writes each ring as a closed SVG path', () => {
    const path = svgPath(square, fit({ minLon: 0, maxLon: 2, minLat: 0, maxLat: 1 }, 200, 100, 0));
    expect(path.startsWith('M0.0 100.0L200.0 100.0')).toBe(true);
    expect(path.endsWith('Z')).toBe(true);
    expect(svgPath(far, (lon, lat) => [lon, lat]).match(/Z/g)).toHaveLength(1);
  });

  it('counts points per cell for the heat map, the fullest cell weighing 1', () => {
    const bounds = { minLon: 0, maxLon: 2, minLat: 0, maxLat: 1 };
    const cells = heatGrid([{ lat: 0.9, lon: 0.1 }, { lat: 0.8, lon: 0.2 }, { lat: 0.1, lon: 1.9 }, { lat: 5, lon: 5 }], bounds, 2, 1);
    expect(cells.sort((a, b) => a.col - b.col)).toEqual([
      { col: 0, row: 0, count: 2, weight: 1 },
      { col: 1, row: 0, count: 1, weight: 0.5 },
    ]);
    // The same points decide the district filter.
    expect(contains(square, { lat: 0.9, lon: 0.1 })).toBe(true);
  });
});
