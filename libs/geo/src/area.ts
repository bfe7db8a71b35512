/** A ring of [longitude, latitude] positions, closed or not (GeoJSON order). */
export type Ring = [number, number][];

/** The GeoJSON geometries a district may be drawn with. */
export type Area = { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] };

/** Even–odd ray casting; a point exactly on an edge counts as inside. */
function inRing(lon: number, lat: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    // On the segment: collinear and within its bounding box.
    const cross = (xj - xi) * (lat - yi) - (yj - yi) * (lon - xi);
    if (cross === 0 && lon >= Math.min(xi, xj) && lon <= Math.max(xi, xj) && lat >= Math.min(yi, yj) && lat <= Math.max(yi, yj)) {
      return true;
    }
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Inside the outer ring and outside every hole. */
function inPolygon(lon: number, lat: number, rings: Ring[]): boolean {
  const [outer, ...holes] = rings;
  if (!outer || !inRing(lon, lat, outer)) return false;
  return !holes.some((hole) => inRing(lon, lat, hole));
}

/** Whether a point (WGS 84 degrees) lies in the area. */
export function contains(area: Area, point: { lat: number; lon: number }): boolean {
  if (area.type === 'Polygon') return inPolygon(point.lon, point.lat, area.coordinates);
  return area.coordinates.some((polygon) => inPolygon(point.lon, point.lat, polygon));
}

/** Describes what is wrong with an area, or returns undefined when it can be used. */
export function areaProblem(area: Area): string | undefined {
  const polygons = area.type === 'Polygon' ? [area.coordinates] : area.coordinates;
  if (polygons.length === 0) return 'has no polygon';
  for (const rings of polygons) {
    if (rings.length === 0) return 'has a polygon without rings';
    for (const ring of rings) {
      if (ring.length < 3) return 'has a ring with fewer than 3 positions';
      for (const [lon, lat] of ring) {
        if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) return `has a position outside WGS 84 degrees: [${lon}, ${lat}]`;
      }
    }
  }
  return undefined;
}
