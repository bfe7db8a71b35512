import type { DataSource, EntityManager } from 'typeorm';
import { addToCounters, CounterRow } from '@duban/messaging';
import { COUNTERS, UnitCounters, zeroCounters } from '../domain/kpi';

const column = (c: keyof UnitCounters) => c.replace(/[A-Z]/g, (l) => `_${l.toLowerCase()}`);

/** The KPI roll-up: counters per unit and local day, incremented in the transaction of each event. */
export class UnitDays {
  private readonly dayOf: Intl.DateTimeFormat;

  constructor(private readonly timeZone: string) {
    this.dayOf = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  /** The local day (YYYY-MM-DD) of a moment in the roll-up's time zone. */
  day(at: Date | string): string {
    return this.dayOf.format(typeof at === 'string' ? new Date(at) : at);
  }

  /**
   * Adds to the unit's counters of the local day of `at`. Inside a consumer's batch the additions
   * of all its events are summed per row and written once before the commit (libs/messaging
   * counters.ts), so the hot row of a busy unit's day is locked only for the commit.
   */
  async bump(tx: EntityManager, unitId: string, at: Date | string, add: Partial<UnitCounters>): Promise<void> {
    const sums = nonZero(add);
    if (!sums) return;
    const day = this.day(at);
    await addToCounters(tx, 'unit_days', `${unitId}\u0000${day}`, { unitId, day }, sums, writeUnitDays);
  }

  /** Adds to a person's counters of the local day of `at` (the person's unit is kept for unit heads' views). */
  async bumpPerson(tx: EntityManager, username: string | null | undefined, unitId: string, at: Date | string, add: Partial<UnitCounters>): Promise<void> {
    const sums = nonZero(add);
    if (!username || !sums) return;
    // The row is the person's day; the unit is carried along (the later event's wins, as before).
    const day = this.day(at);
    await addToCounters(tx, 'person_days', `${username}\u0000${day}`, { username, day, unitId }, sums, writePersonDays);
  }

  /** Each person's counters over the local days [from, to], for one person or the people of one unit. */
  async sumPeople(db: DataSource | EntityManager, from: string, to: string, filter: { username?: string; unitId?: string }): Promise<Map<string, { unitId: string; counters: UnitCounters }>> {
    const rows: Record<string, string | number>[] = await db.query(
      `SELECT username, max(unit_id) AS unit_id, ${COUNTERS.map((c) => `sum(${column(c)})::bigint AS "${c}"`).join(', ')}
         FROM person_days WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR username = $3) AND ($4::text IS NULL OR unit_id = $4)
        GROUP BY username`,
      [from, to, filter.username ?? null, filter.unitId ?? null],
    );
    const out = new Map<string, { unitId: string; counters: UnitCounters }>();
    for (const r of rows) {
      const c = zeroCounters();
      for (const k of COUNTERS) c[k] = Number(r[k]);
      out.set(String(r.username), { unitId: String(r.unit_id), counters: c });
    }
    return out;
  }

  /** Adds to a category's counters of one stage kind (first response / result) on the local day of `at`. */
  async bumpCategory(tx: EntityManager, category: string, kind: 'first' | 'result', at: Date | string, add: { due?: number; late?: number; lateMinutes?: number }): Promise<void> {
    await tx.query(
      `INSERT INTO category_days (category, kind, day, due, late, late_minutes) VALUES ($1, $2, ($3::timestamptz AT TIME ZONE $4)::date, $5, $6, $7)
       ON CONFLICT (category, kind, day) DO UPDATE SET due = category_days.due + EXCLUDED.due, late = category_days.late + EXCLUDED.late,
         late_minutes = category_days.late_minutes + EXCLUDED.late_minutes`,
      [category, kind, at, this.timeZone, add.due ?? 0, add.late ?? 0, add.lateMinutes ?? 0],
    );
  }

  /** Per category and stage kind over the local days [from, to]: how many were due, late, and the minutes lost. */
  async categories(db: DataSource | EntityManager, from: string, to: string): Promise<{ category: string; kind: 'first' | 'result'; due: number; late: number; lateMinutes: number }[]> {
    const rows: { category: string; kind: 'first' | 'result'; due: string; late: string; late_minutes: string }[] = await db.query(
      `SELECT category, kind, sum(due)::bigint AS due, sum(late)::bigint AS late, sum(late_minutes)::bigint AS late_minutes
         FROM category_days WHERE day BETWEEN $1::date AND $2::date GROUP BY 1, 2 ORDER BY 1, 2`,
      [from, to],
    );
    return rows.map((r) => ({ category: r.category, kind: r.kind, due: Number(r.due), late: Number(r.late), lateMinutes: Number(r.late_minutes) }));
  }

  /** Each unit's counters summed over the local days [from, to] (YYYY-MM-DD); `unitId` narrows to one. */
  async sum(db: DataSource | EntityManager, from: string, to: string, unitId?: string): Promise<Map<string, UnitCounters>> {
    const rows: Record<string, string | number>[] = await db.query(
      `SELECT unit_id, ${COUNTERS.map((c) => `sum(${column(c)})::bigint AS "${c}"`).join(', ')}
         FROM unit_days WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR unit_id = $3)
        GROUP BY unit_id`,
      [from, to, unitId ?? null],
    );
    const out = new Map<string, UnitCounters>();
    for (const r of rows) {
      const c = zeroCounters();
      for (const k of COUNTERS) c[k] = Number(r[k]);
      out.set(String(r.unit_id), c);
    }
    return out;
  }

  /**
   * Per unit, the cases open at `at` whose result limit has not passed yet (no result, due later):
   * a snapshot, for the on-time rate as Boston's OnTime_Status counts it (open and within the limit = on time).
   */
  async openWithinLimit(db: DataSource | EntityManager, at: Date, unitId?: string): Promise<Map<string, number>> {
    const rows: { unit_id: string; n: number }[] = await db.query(
      `SELECT l.unit_id, count(*)::int AS n FROM case_limits l
        WHERE l.kind = 'result' AND l.due_at > $1 AND l.started_at <= $1 AND ($2::text IS NULL OR l.unit_id = $2)
          AND NOT EXISTS (SELECT 1 FROM counted c WHERE c.case_id = l.case_id AND c.unit_id = l.unit_id AND c.what = 'result')
        GROUP BY 1`,
      [at, unitId ?? null],
    );
    return new Map(rows.map((r) => [r.unit_id, r.n]));
  }

  /** The local date of an instant (YYYY-MM-DD). */
  today(now: Date): string {
    return new Intl.DateTimeFormat('en-CA', { timeZone: this.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  }
}

function nonZero(add: Partial<UnitCounters>): Record<string, number> | undefined {
  const sums: Record<string, number> = {};
  for (const c of COUNTERS) if (add[c]) sums[c] = add[c]!;
  return Object.keys(sums).length > 0 ? sums : undefined;
}

/** Every counter column as one array each (0 where a row adds nothing), for unnest. */
const counterArrays = (rows: CounterRow<unknown>[]) => COUNTERS.map((c) => rows.map((r) => r.add[c] ?? 0));
const counterSql = (table: string, offset: number) => ({
  columns: COUNTERS.map(column).join(', '),
  arrays: COUNTERS.map((_, i) => `$${i + offset}::bigint[]`).join(', '),
  sums: COUNTERS.map((c) => `${column(c)} = ${table}.${column(c)} + EXCLUDED.${column(c)}`).join(', '),
});

/** The rows of unit_days a batch added to, in one statement. */
async function writeUnitDays(tx: EntityManager, rows: CounterRow<{ unitId: string; day: string }>[]): Promise<void> {
  const sql = counterSql('unit_days', 3);
  await tx.query(
    `INSERT INTO unit_days (unit_id, day, ${sql.columns})
     SELECT * FROM unnest($1::text[], $2::date[], ${sql.arrays})
     ON CONFLICT (unit_id, day) DO UPDATE SET ${sql.sums}`,
    [rows.map((r) => r.key.unitId), rows.map((r) => r.key.day), ...counterArrays(rows)],
  );
}

/** The rows of person_days a batch added to, in one statement (one row per person and day). */
async function writePersonDays(tx: EntityManager, rows: CounterRow<{ username: string; day: string; unitId: string }>[]): Promise<void> {
  const sql = counterSql('person_days', 4);
  await tx.query(
    `INSERT INTO person_days (username, day, unit_id, ${sql.columns})
     SELECT * FROM unnest($1::text[], $2::date[], $3::text[], ${sql.arrays})
     ON CONFLICT (username, day) DO UPDATE SET unit_id = EXCLUDED.unit_id, ${sql.sums}`,
    [rows.map((r) => r.key.username), rows.map((r) => r.key.day), rows.map((r) => r.key.unitId), ...counterArrays(rows)],
  );
}
