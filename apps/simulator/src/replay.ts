/** One Boston 311 row, as published (the columns the replay uses). */
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

export interface CategoryIndex {
  /** Boston TYPE → our category code. */
  byBostonType: Map<string, string>;
}

interface CategoriesFile {
  classes: { subclasses: { code: string; boston?: { types?: string[] } }[] }[];
}

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

export type Channel = 'hotline' | 'web' | 'app' | 'inspection';

/** Boston's intake channels in ours; city staff findings become inspection cases. */
export function channelOf(source: string): Channel {
  if (/call/i.test(source)) return 'hotline';
  if (/app/i.test(source)) return 'app';
  if (/employee/i.test(source)) return 'inspection';
  return 'web';
}

export interface Submission {
  bostonId: string;
  /** Milliseconds after the first arrival, in Boston time. */
  offsetMs: number;
  channel: Channel;
  body: {
    title: string;
    description: string;
    category: string;
    channel: Channel;
    sourceReference?: string;
    location?: { address?: string; point?: { lat: number; lon: number }; district?: string };
  };
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** The API request a Boston row becomes, or the reason it cannot be replayed. */
export function toSubmission(row: BostonRow, firstArrival: number, index: CategoryIndex): Submission | { skipped: string } {
  const category = index.byBostonType.get(row.TYPE);
  if (!category) return { skipped: `no category for Boston type "${row.TYPE}"` };
  const opened = parseBostonTime(row.OPEN_DT);
  if (Number.isNaN(opened)) return { skipped: 'unreadable OPEN_DT' };
  const lat = Number(row.LATITUDE);
  const lon = Number(row.LONGITUDE);
  const channel = channelOf(row.Source);
  const title = clip(row.CASE_TITLE.trim() || row.TYPE, 200);
  const location: Submission['body']['location'] = {};
  if (row.LOCATION_STREET_NAME.trim()) location.address = clip(row.LOCATION_STREET_NAME.trim(), 300);
  if (Number.isFinite(lat) && Number.isFinite(lon) && lat !== 0 && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) location.point = { lat, lon };
  if (row.neighborhood.trim()) location.district = clip(row.neighborhood.trim(), 80);
  return {
    bostonId: row.CASE_ENQUIRY_ID,
    offsetMs: opened - firstArrival,
    channel,
    body: {
      title,
      description: clip(`${title}. ${row.REASON} / ${row.TYPE} (Boston 311 case ${row.CASE_ENQUIRY_ID}, via ${row.Source}).`, 5000),
      category,
      channel,
      // Staff findings are inspection cases, which name the report they come from.
      ...(channel === 'inspection' ? { sourceReference: `Boston 311 case ${row.CASE_ENQUIRY_ID}` } : {}),
      ...(Object.keys(location).length > 0 ? { location } : {}),
    },
  };
}

/** Counts for the closing summary. */
export class ReplaySummary {
  submitted = 0;
  accepted = 0;
  readonly rejected = new Map<string, number>();
  readonly skipped = new Map<string, number>();
  readonly byCategory = new Map<string, number>();
  readonly byUnit = new Map<string, number>();

  static bump(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  render(top = 12): string {
    const table = (title: string, map: Map<string, number>) => {
      if (map.size === 0) return '';
      const rows = [...map.entries()].sort((a, b) => b[1] - a[1]);
      const shown = rows.slice(0, top).map(([k, n]) => `    ${String(n).padStart(6)}  ${k}`);
      const rest = rows.length > top ? [`    ${String(rows.slice(top).reduce((s, [, n]) => s + n, 0)).padStart(6)}  (${rows.length - top} more)`] : [];
      return `  ${title}\n${[...shown, ...rest].join('\n')}\n`;
    };
    return (
      `Replay summary\n  submitted ${this.submitted}, accepted ${this.accepted}, rejected ${this.submitted - this.accepted}\n` +
      table('rejected, by reason', this.rejected) +
      table('not replayed, by reason', this.skipped) +
      table('accepted, by category', this.byCategory) +
      table('accepted, by responsible unit', this.byUnit)
    );
  }
}
