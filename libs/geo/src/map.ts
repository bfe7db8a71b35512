import type { Area, Ring } from './area';

/** A box of WGS 84 degrees. */
export interface Bounds {
  minLon: number;
  maxLon: number;
  minLat: number;
  maxLat: number;
}

/** The outer and inner rings of an area, polygon by polygon. */
export function polygonsOf(area: Area): Ring[][] {
  return area.type === 'Polygon' ? [area.coordinates] : area.coordinates;
}

/** The smallest box holding every position of the areas and the points; undefined when there are none. */
export function boundsOf(areas: readonly Area[], points: readonly { lat: number; lon: number }[] = []): Bounds | undefined {
  let b: Bounds | undefined;
  const add = (lon: number, lat: number) => {
    if (!b) b = { minLon: lon, maxLon: lon, minLat: lat, maxLat: lat };
    else {
      b.minLon = Math.min(b.minLon, lon);
      b.maxLon = Math.max(b.maxLon, lon);
      b.minLat = Math.min(b.minLat, lat);
      b.maxLat = Math.max(b.maxLat, lat);
    }
  };
  for (const area of areas) for (const polygon of polygonsOf(area)) for (const ring of polygon) for (const [lon, lat] of ring) add(lon, lat);
  for (const p of points) add(p.lon, p.lat);
  return b;
}

/** Projects degrees onto a picture of the given size. */
export type Projection = (lon: number, lat: number) => [number, number];

/**
 * An equirectangular projection of `bounds` fitted into width × height with `pad` pixels around:
 * longitudes shrink by the cosine of the middle latitude, so a district keeps its shape; north is up.
 */
export function fit(bounds: Bounds, width: number, height: number, pad = 8): Projection {
  const k = Math.cos((((bounds.minLat + bounds.maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max((bounds.maxLon - bounds.minLon) * k, 1e-9);
  const spanY = Math.max(bounds.maxLat - bounds.minLat, 1e-9);
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const offX = (width - spanX * scale) / 2;
  const offY = (height - spanY * scale) / 2;
  return (lon, lat) => [offX + (lon - bounds.minLon) * k * scale, offY + (bounds.maxLat - lat) * scale];
}

/** The SVG path of an area (each ring closed; holes cut out with the even-odd rule). */
export function svgPath(area: Area, project: Projection): string {
  const parts: string[] = [];
  for (const polygon of polygonsOf(area)) {
    for (const ring of polygon) {
      if (ring.length < 3) continue;
      parts.push(ring.map(([lon, lat], i) => `${i === 0 ? 'M' : 'L'}${project(lon, lat).map((v) => v.toFixed(1)).join(' ')}`).join('') + 'Z');
    }
  }
  return parts.join('');
}

/** A cell of the heat map: its column and row, how many points it holds, and that share of the fullest cell. */
export interface HeatCell {
  col: number;
  row: number;
  count: number;
  weight: number;
}

/** Counts the points per cell of a cols × rows grid over `bounds` (the heat map); empty cells are left out. */
export function heatGrid(points: readonly { lat: number; lon: number }[], bounds: Bounds, cols: number, rows: number): HeatCell[] {
  const counts = new Map<number, number>();
  const w = bounds.maxLon - bounds.minLon || 1e-9;
  const h = bounds.maxLat - bounds.minLat || 1e-9;
  for (const p of points) {
    if (p.lon < bounds.minLon || p.lon > bounds.maxLon || p.lat < bounds.minLat || p.lat > bounds.maxLat) continue;
    const col = Math.min(cols - 1, Math.floor(((p.lon - bounds.minLon) / w) * cols));
    const row = Math.min(rows - 1, Math.floor(((bounds.maxLat - p.lat) / h) * rows));
    const key = row * cols + col;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const max = Math.max(0, ...counts.values());
  return [...counts].map(([key, count]) => ({ col: key % cols, row: Math.floor(key / cols), count, weight: max ? count / max : 0 }));
}
