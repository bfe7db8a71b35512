/**
 * The same matter reported again (重复件): same category and place within a
 * radius and time window, or near-identical text. Pure functions; the
 * repository supplies the open cases of the window.
 */

export interface DuplicatePolicy {
  /** 0 switches place matching off. */
  radiusMeters: number;
  windowHours: number;
  /** Dice coefficient of character bigrams, 0 … 1; above 1 switches text matching off. */
  textSimilarity: number;
}

export interface Candidate {
  id: string;
  category: string;
  lat: number | null;
  lon: number | null;
  text: string;
  receivedAt: Date;
}

/** Shorter texts (letters and digits) say too little to call two reports the same. */
export const MIN_TEXT_LENGTH = 20;
/** Near-identical text from points farther apart than this many radii is not the same matter. */
export const TEXT_RADIUS_FACTOR = 10;

export interface Match {
  originalId: string;
  reason: 'place' | 'text';
  distanceMeters?: number;
  similarity?: number;
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance (haversine), metres. */
export function distanceMeters(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Lower case, letters and digits only (any script): punctuation, spacing and case do not make a report new. */
export function normalise(text: string): string {
  return text.toLowerCase().normalize('NFKC').replace(/[^\p{L}\p{N}]+/gu, '');
}

function bigrams(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const chars = [...text];
  for (let i = 0; i < chars.length - 1; i += 1) {
    const g = chars[i] + chars[i + 1];
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return counts;
}

/** Dice coefficient of character bigrams: 1 for identical texts, works for Chinese and English alike. */
export function textSimilarity(a: string, b: string): number {
  const na = normalise(a);
  const nb = normalise(b);
  if (na === nb) return na.length > 0 ? 1 : 0;
  const ga = bigrams(na);
  const gb = bigrams(nb);
  let overlap = 0;
  let total = 0;
  for (const n of ga.values()) total += n;
  for (const n of gb.values()) total += n;
  for (const [g, n] of ga) overlap += Math.min(n, gb.get(g) ?? 0);
  return total === 0 ? 0 : (2 * overlap) / total;
}

/** Degrees of latitude and longitude that cover the radius around a point (for an index range scan). */
export function boundingBox(point: { lat: number; lon: number }, radiusMeters: number) {
  const dLat = (radiusMeters / EARTH_RADIUS_M) * (180 / Math.PI);
  const dLon = dLat / Math.max(Math.cos((point.lat * Math.PI) / 180), 0.01);
  return { minLat: point.lat - dLat, maxLat: point.lat + dLat, minLon: point.lon - dLon, maxLon: point.lon + dLon };
}

/**
 * The open case a new report repeats: the nearest one of the same category
 * within the radius; else, of the same category, the most similar text at or
 * above the threshold (texts of at least MIN_TEXT_LENGTH letters and digits,
 * and not from points more than TEXT_RADIUS_FACTOR radii apart). Ties go to
 * the earlier case (the original).
 */
export function findOriginal(
  report: { category: string; point?: { lat: number; lon: number }; text: string },
  candidates: readonly Candidate[],
  policy: DuplicatePolicy,
): Match | undefined {
  const earlierFirst = [...candidates].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  if (report.point && policy.radiusMeters > 0) {
    let best: Match | undefined;
    for (const c of earlierFirst) {
      if (c.category !== report.category || c.lat === null || c.lon === null) continue;
      const d = distanceMeters(report.point, { lat: c.lat, lon: c.lon });
      if (d <= policy.radiusMeters && (!best || d < best.distanceMeters!)) best = { originalId: c.id, reason: 'place', distanceMeters: Math.round(d) };
    }
    if (best) return best;
  }
  if (policy.textSimilarity <= 1 && normalise(report.text).length >= MIN_TEXT_LENGTH) {
    let best: Match | undefined;
    for (const c of earlierFirst) {
      // Templated texts (an app's fixed wording) from across the city are different matters.
      const far =
        report.point && c.lat !== null && c.lon !== null && policy.radiusMeters > 0 &&
        distanceMeters(report.point, { lat: c.lat, lon: c.lon }) > TEXT_RADIUS_FACTOR * policy.radiusMeters;
      if (far || c.category !== report.category) continue;
      const s = textSimilarity(report.text, c.text);
      if (s >= policy.textSimilarity && (!best || s > best.similarity!)) best = { originalId: c.id, reason: 'text', similarity: Math.round(s * 1000) / 1000 };
    }
    return best;
  }
  return undefined;
}
