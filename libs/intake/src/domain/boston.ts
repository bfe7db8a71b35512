/**
 * The Boston 311 export format (the City of Boston's open data, as in
 * ../shared/data/boston-311-2015): how one of its rows becomes a Duban case.
 * Used by the bulk import and by the simulator's replay.
 */

/** The columns of a Boston 311 row that a case is made from. */
export interface BostonRow {
  CASE_ENQUIRY_ID: string;
  OPEN_DT: string;
  CASE_TITLE: string;
  SUBJECT: string;
  REASON: string;
  TYPE: string;
  Source: string;
  neighborhood: string;
  LOCATION_STREET_NAME: string;
  LATITUDE: string;
  LONGITUDE: string;
}

export const BOSTON_COLUMNS: readonly (keyof BostonRow)[] = [
  'CASE_ENQUIRY_ID',
  'OPEN_DT',
  'CASE_TITLE',
  'SUBJECT',
  'REASON',
  'TYPE',
  'Source',
  'neighborhood',
  'LOCATION_STREET_NAME',
  'LATITUDE',
  'LONGITUDE',
];

export interface CategoryIndex {
  /** Boston TYPE → our category code. */
  byBostonType: Map<string, string>;
}

interface CategoriesFile {
  classes: { subclasses: { code: string; boston?: { types?: string[] } }[] }[];
}

/** The taxonomy's Boston TYPE mapping (src/seed/categories.json). */
export function categoryIndex(file: CategoriesFile): CategoryIndex {
  const byBostonType = new Map<string, string>();
  for (const c of file.classes) for (const s of c.subclasses) for (const t of s.boston?.types ?? []) byBostonType.set(t, s.code);
  return { byBostonType };
}

/** `MM/DD/YYYY hh:mm:ss AM` (Boston local time) → epoch ms, read as if it were UTC: only differences matter. */
export function parseBostonTime(value: string): number {
  const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2}) (AM|PM)$/.exec(value.trim());
  if (!m) return Number.NaN;
  let hour = Number(m[4]) % 12;
  if (m[7] === 'PM') hour += 12;
  return Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), hour, Number(m[5]), Number(m[6]));
}

export type BostonChannel = 'hotline' | 'web' | 'app' | 'inspection';

/** Boston's intake channels in ours; city staff findings become inspection cases. */
export function channelOf(source: string): BostonChannel {
  if (/call/i.test(source)) return 'hotline';
  if (/app/i.test(source)) return 'app';
  if (/employee/i.test(source)) return 'inspection';
  return 'web';
}

export interface BostonCase {
  title: string;
  description: string;
  category: string;
  location?: { address?: string; point?: { lat: number; lon: number }; district?: string };
  reference: string;
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** The case a Boston row describes, or why it cannot be one (with the column to blame). */
export function bostonCase(row: BostonRow, index: CategoryIndex): BostonCase | { column: string; problem: string } {
  if (!row.CASE_ENQUIRY_ID?.trim()) return { column: 'CASE_ENQUIRY_ID', problem: 'is empty' };
  const category = index.byBostonType.get(row.TYPE);
  if (!category) return { column: 'TYPE', problem: `no category for Boston type "${row.TYPE}"` };
  const lat = Number(row.LATITUDE);
  const lon = Number(row.LONGITUDE);
  const title = clip((row.CASE_TITLE ?? '').trim() || row.TYPE, 200);
  const location: NonNullable<BostonCase['location']> = {};
  if (row.LOCATION_STREET_NAME?.trim()) location.address = clip(row.LOCATION_STREET_NAME.trim(), 300);
  if (row.LATITUDE?.trim() && row.LONGITUDE?.trim() && Number.isFinite(lat) && Number.isFinite(lon) && lat !== 0 && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
    location.point = { lat, lon };
  }
  if (row.neighborhood?.trim()) location.district = clip(row.neighborhood.trim(), 80);
  const id = row.CASE_ENQUIRY_ID.trim();
  return {
    title,
    description: clip(`${title}. ${row.REASON} / ${row.TYPE} (Boston 311 case ${id}, via ${row.Source}).`, 5000),
    category,
    reference: clip(`Boston 311 case ${id}`, 200),
    ...(Object.keys(location).length > 0 ? { location } : {}),
  };
}
