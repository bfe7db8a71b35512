/** The case ledger of the early-warning model: what the platform knew of its cases at any moment (see index.ts). */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** One case as the risk model sees it. Times are epoch milliseconds. */
export interface RiskCase {
  /** Its category (type). */
  type: string;
  /** The unit (queue) handling it. */
  unit: string;
  /** Intake channel (hotline, app, …). */
  channel?: string;
  /** Its title when titles are templated (a finer category); optional. */
  title?: string;
  openedAt: number;
  /** The limit; null: no limit (nothing to miss — such cases only count as load). */
  dueAt: number | null;
  /** When it closed; null: still open. Only compared with the moment asked about. */
  closedAt: number | null;
}

/** A past case with its outcome, for training. */
export interface LabelledCase extends RiskCase {
  /** It missed its limit (Boston: `OnTime_Status` = OVERDUE). */
  late: boolean;
}

/** The groupings the ledger indexes cases by. */
export type LedgerKey = 'type' | 'unit' | 'typeUnit' | 'typeUnitTitle' | 'typeChannel';

const SEP = '\u0000';
const normTitle = (t: string | undefined) => (t ?? '').trim().toLowerCase().replace(/\s+/g, ' ');

/** The ledger keys of a case (category, unit, category × unit, … × title, category × channel). */
function keysOf(c: Pick<RiskCase, 'type' | 'unit' | 'channel' | 'title'>): Record<LedgerKey, string | null> {
  const title = normTitle(c.title);
  return {
    type: c.type,
    unit: c.unit,
    typeUnit: `${c.type}${SEP}${c.unit}`,
    typeUnitTitle: title ? `${c.type}${SEP}${c.unit}${SEP}${title}` : null,
    typeChannel: c.channel ? `${c.type}${SEP}${c.channel}` : null,
  };
}

/** Number of elements of a sorted array below x. */
export function below(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts of what the cases of one key (a category, a unit, …) looked like at a moment. */
export class LedgerCounts {
  readonly opened: Float64Array;
  readonly closed: Float64Array;
  readonly due: Float64Array;
  readonly dueOrClosed: Float64Array;
  /** Outcomes in the order they became known: when, and the running count of missed ones. */
  readonly knownAt: Float64Array;
  readonly lateBefore: Int32Array;
  /** Cases by opening time (for windows of cases opened recently). */
  readonly byOpen: { opened: number; closed: number; due: number }[];
  /** Closures in time order with the case's opening time. */
  readonly byClose: { opened: number; closed: number }[];

  constructor(cases: readonly RiskCase[]) {
    const rows = cases.map((c) => {
      const due = c.dueAt === null ? Infinity : Math.max(c.dueAt, c.openedAt);
      const closed = c.closedAt === null ? Infinity : Math.max(c.closedAt, c.openedAt);
      return { opened: c.openedAt, closed, due };
    });
    const sorted = (xs: number[]) => Float64Array.from(xs).sort();
    this.opened = sorted(rows.map((r) => r.opened));
    this.closed = sorted(rows.filter((r) => r.closed !== Infinity).map((r) => r.closed));
    this.due = sorted(rows.filter((r) => r.due !== Infinity).map((r) => r.due));
    this.dueOrClosed = sorted(rows.filter((r) => r.due !== Infinity && r.closed !== Infinity).map((r) => Math.max(r.due, r.closed)));
    // Met when closed by the limit (known at the closure), missed when the limit passes first (known then).
    const outcomes = rows
      .filter((r) => r.due !== Infinity)
      .map((r) => (r.closed <= r.due ? { at: r.closed, late: 0 } : { at: r.due, late: 1 }))
      .sort((a, b) => a.at - b.at);
    this.knownAt = Float64Array.from(outcomes.map((o) => o.at));
    this.lateBefore = new Int32Array(outcomes.length + 1);
    outcomes.forEach((o, i) => (this.lateBefore[i + 1] = this.lateBefore[i] + o.late));
    this.byOpen = [...rows].sort((a, b) => a.opened - b.opened);
    this.byClose = rows.filter((r) => r.closed !== Infinity).sort((a, b) => a.closed - b.closed);
  }

  /** Cases open at `at`: opened before it, not closed before it. */
  open(at: number): number {
    return below(this.opened, at) - below(this.closed, at);
  }

  /** Cases open at `at` whose limit passed before it. */
  overdue(at: number): number {
    return below(this.due, at) - below(this.dueOrClosed, at);
  }

  /** Outcomes (met or missed limits) that became known in [from, to). */
  outcomes(from: number, to: number): { late: number; n: number } {
    const a = below(this.knownAt, from);
    const b = below(this.knownAt, to);
    return { late: this.lateBefore[b] - this.lateBefore[a], n: b - a };
  }

  /** Closures in [from, to). */
  closures(from: number, to: number): number {
    return below(this.closed, to) - below(this.closed, from);
  }

  /** Of the cases opened in [from, to): how many, how many of them are past their limit and still open at `at`. */
  cohort(from: number, to: number, at: number): { n: number; overdue: number } {
    const a = below(this.opened, from);
    const b = below(this.opened, to);
    let overdue = 0;
    for (let i = a; i < b; i += 1) {
      const r = this.byOpen[i];
      if (r.due < at && r.closed >= at) overdue += 1;
    }
    return { n: b - a, overdue };
  }

  /** Of the cases opened in [from, to) whose limit passed before `at` (so their outcome is known): how many, how many missed it. */
  matured(from: number, to: number, at: number): { n: number; late: number } {
    const a = below(this.opened, from);
    const b = below(this.opened, to);
    let n = 0;
    let late = 0;
    for (let i = a; i < b; i += 1) {
      const r = this.byOpen[i];
      if (r.due >= at) continue;
      n += 1;
      if (r.closed > r.due) late += 1;
    }
    return { n, late };
  }

  /** Of the cases opened in [from, to): how many, how many closed before `at`. */
  closedOf(from: number, to: number, at: number): { n: number; closed: number } {
    const a = below(this.opened, from);
    const b = below(this.opened, to);
    let closed = 0;
    for (let i = a; i < b; i += 1) if (this.byOpen[i].closed < at) closed += 1;
    return { n: b - a, closed };
  }

  /** Age (ms) at `at` of the oldest case still open then, opened within `lookback` before it; 0 if none. */
  oldestOpenAge(at: number, lookback: number): number {
    const a = below(this.opened, at - lookback);
    const b = below(this.opened, at);
    for (let i = a; i < b; i += 1) if (this.byOpen[i].closed >= at) return at - this.byOpen[i].opened;
    return 0;
  }

  /** Cases opened before `openedAt` and still open at `at` (≥ openedAt): the queue ahead of a case. */
  ahead(openedAt: number, at: number): number {
    let closedBefore = below(this.closed, openedAt);
    for (let i = closedBefore; i < this.byClose.length && this.byClose[i].closed < at; i += 1) if (this.byClose[i].opened < openedAt) closedBefore += 1;
    return below(this.opened, openedAt) - closedBefore;
  }
}

const EMPTY = new LedgerCounts([]);

/**
 * What the platform knows from its clocks, indexed by category, unit, category ×
 * unit, category × unit × title and category × channel. Holding future cases is
 * harmless: every query is at a moment and reads only what was known before it.
 */
export class CaseLedger {
  private readonly index = new Map<string, LedgerCounts>();

  constructor(cases: Iterable<RiskCase>) {
    const groups = new Map<string, RiskCase[]>();
    for (const c of cases) {
      for (const [kind, key] of Object.entries(keysOf(c))) {
        if (key === null) continue;
        const k = `${kind}:${key}`;
        const g = groups.get(k);
        if (g) g.push(c);
        else groups.set(k, [c]);
      }
    }
    for (const [k, g] of groups) this.index.set(k, new LedgerCounts(g));
  }

  private of(kind: LedgerKey, c: Pick<RiskCase, 'type' | 'unit' | 'channel' | 'title'>): LedgerCounts {
    const key = keysOf(c)[kind];
    return (key !== null && this.index.get(`${kind}:${key}`)) || EMPTY;
  }

  /** Cases of the unit (or of the case's category in that unit) open at `at`, and how many of them are past their limit. */
  load(c: Pick<RiskCase, 'type' | 'unit'>, at: number, scope: 'unit' | 'typeUnit' = 'unit'): { open: number; overdue: number } {
    const k = this.of(scope, c);
    return { open: k.open(at), overdue: k.overdue(at) };
  }

  /** Limits met or missed that became known before `at` (within `windowMs` before it if given). */
  outcomes(kind: LedgerKey, c: Pick<RiskCase, 'type' | 'unit' | 'channel' | 'title'>, at: number, windowMs = Infinity): { late: number; n: number } {
    return this.of(kind, c).outcomes(at - windowMs, at);
  }

  /** The counts of the case's category, unit, … (an empty index when the key has no case). */
  key(kind: LedgerKey, c: Pick<RiskCase, 'type' | 'unit' | 'channel' | 'title'>): LedgerCounts {
    return this.of(kind, c);
  }
}

