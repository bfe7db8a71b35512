import { BostonChannel, bostonCase, BostonRow, CategoryIndex, channelOf, parseBostonTime } from '@duban/intake';

export { categoryIndex, channelOf, parseBostonTime } from '@duban/intake';
export type { BostonRow, CategoryIndex } from '@duban/intake';
export type Channel = BostonChannel;

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

/** The API request a Boston row becomes, or the reason it cannot be replayed. */
export function toSubmission(row: BostonRow, firstArrival: number, index: CategoryIndex): Submission | { skipped: string } {
  const made = bostonCase(row, index);
  if ('problem' in made) return { skipped: made.column === 'TYPE' ? made.problem : `${made.column} ${made.problem}` };
  const opened = parseBostonTime(row.OPEN_DT);
  if (Number.isNaN(opened)) return { skipped: 'unreadable OPEN_DT' };
  const channel = channelOf(row.Source);
  return {
    bostonId: row.CASE_ENQUIRY_ID,
    offsetMs: opened - firstArrival,
    channel,
    body: {
      title: made.title,
      description: made.description,
      category: made.category,
      channel,
      // Staff findings are inspection cases, which name the report they come from.
      ...(channel === 'inspection' ? { sourceReference: made.reference } : {}),
      ...(made.location ? { location: made.location } : {}),
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
  /** How many accepted cases the by-unit table was read from (all, or an even sample of a long replay). */
  unitsReadFrom = 0;

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
      table(
        this.unitsReadFrom < this.accepted ? `accepted, by responsible unit (read back for an even sample of ${this.unitsReadFrom} of ${this.accepted})` : 'accepted, by responsible unit',
        this.byUnit,
      )
    );
  }
}
