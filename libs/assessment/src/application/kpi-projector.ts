import { EventOf, SlaClockStarted } from '@duban/contracts';
import type { EntityManager } from 'typeorm';
import { UnitDays } from '../infrastructure/unit-days';

const FIRST_STAGES = ['start', 'accept'];
export const RESULT_STAGES: readonly string[] = ['result', 'complete', 'solution'];
type Kind = 'first' | 'result';

/**
 * Keeps the KPI counters from the lifecycle events, each in the transaction of its event: an
 * assignment, the first response (签收) and the first result of each case at each unit, judged
 * against the limits escalation announced — whichever of the two arrives first.
 */
export class KpiProjector {
  constructor(private readonly days: UnitDays) {}

  /** Counts `what` once per case and unit; false when it was counted before. */
  private async once(tx: EntityManager, caseId: string, unitId: string, what: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(`INSERT INTO counted (case_id, unit_id, what) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING case_id`, [caseId, unitId, what]);
    return rows.length > 0;
  }

  async assigned(tx: EntityManager, caseId: string, unitId: string, at: string, category: string, assignee: string | null): Promise<void> {
    // The category, who handles it and the once-per-unit mark in one statement (they are different tables).
    const first: unknown[] = await tx.query(
      `WITH category AS (
         INSERT INTO case_categories (case_id, category) VALUES ($1, $2) ON CONFLICT (case_id) DO UPDATE SET category = EXCLUDED.category
       ), people AS (
         INSERT INTO case_people (case_id, unit_id, assignee) VALUES ($1, $3, $4) ON CONFLICT (case_id) DO UPDATE SET unit_id = EXCLUDED.unit_id, assignee = EXCLUDED.assignee
       )
       INSERT INTO counted (case_id, unit_id, what) VALUES ($1, $3, 'assigned') ON CONFLICT DO NOTHING RETURNING case_id`,
      [caseId, category, unitId, assignee],
    );
    if (first.length > 0) {
      await this.days.bump(tx, unitId, at, { assigned: 1 });
      await this.days.bumpPerson(tx, assignee, unitId, at, { assigned: 1 });
    }
  }

  /** A limit of the case: remembered (the latest clock of each kind wins), and an outcome that waited for it is judged now. */
  async clockStarted(tx: EntityManager, event: EventOf<typeof SlaClockStarted>): Promise<void> {
    const kind: Kind | null = FIRST_STAGES.includes(event.data.stage) ? 'first' : RESULT_STAGES.includes(event.data.stage) ? 'result' : null;
    if (!kind || !event.unitId) return;
    // The limit stored and the outcomes that waited for it taken, in one statement (different tables).
    const [waiting]: [{ unit_id: string; at: Date; by: string | null }[], number] = await tx.query(
      `WITH limited AS (
         INSERT INTO case_limits (case_id, kind, clock_id, unit_id, started_at, due_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (case_id, kind) DO UPDATE SET clock_id = EXCLUDED.clock_id, unit_id = EXCLUDED.unit_id, started_at = EXCLUDED.started_at, due_at = EXCLUDED.due_at
         WHERE case_limits.started_at <= EXCLUDED.started_at
       )
       DELETE FROM pending_outcomes WHERE case_id = $1 AND kind = $2 RETURNING unit_id, at, by`,
      [event.caseId, kind, event.data.clockId, event.unitId, event.data.startedAt, event.data.dueAt],
    );
    for (const w of waiting) await this.judge(tx, event.caseId, kind, w.unit_id, w.by, w.at, new Date(event.data.dueAt));
  }

  /** The first response (kind first) or first result (kind result) of the case at this unit. */
  async outcome(tx: EntityManager, caseId: string, kind: Kind, unitId: string, at: Date, by: string | null): Promise<void> {
    if (!(await this.once(tx, caseId, unitId, kind))) {
      // Counted late at the red light already: the result, when it comes, adds the minutes lost (once).
      const [overdue] = await tx.query(`SELECT 1 FROM counted WHERE case_id = $1 AND unit_id = $2 AND what = 'result-overdue'`, [caseId, unitId]);
      const [limit] = await tx.query(`SELECT due_at FROM case_limits WHERE case_id = $1 AND kind = 'result'`, [caseId]);
      if (kind === 'result' && overdue && limit && (await this.once(tx, caseId, unitId, 'result-late-minutes'))) {
        const lateMinutes = Math.max(0, Math.round((at.getTime() - limit.due_at.getTime()) / 60_000));
        await this.days.bump(tx, unitId, at, { lateMinutes });
        await this.days.bumpPerson(tx, by, unitId, at, { lateMinutes });
        await this.days.bumpCategory(tx, await this.categoryOf(tx, caseId), 'result', at, { lateMinutes });
      }
      return;
    }
    const [limit] = await tx.query(`SELECT due_at FROM case_limits WHERE case_id = $1 AND kind = $2`, [caseId, kind]);
    if (!limit) {
      await tx.query(`INSERT INTO pending_outcomes (case_id, kind, unit_id, at, by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [caseId, kind, unitId, at, by]);
      return;
    }
    await this.judge(tx, caseId, kind, unitId, by, at, limit.due_at);
  }

  /**
   * The result limit passed with no result: the case counts now as a late completion (its result,
   * when it comes, is not counted again), so a unit cannot look punctual by never finishing.
   */
  async resultOverdue(tx: EntityManager, caseId: string, unitId: string, at: Date): Promise<void> {
    if (!(await this.once(tx, caseId, unitId, 'result'))) return;
    await this.once(tx, caseId, unitId, 'result-overdue');
    await tx.query(`DELETE FROM pending_outcomes WHERE case_id = $1 AND kind = 'result' AND unit_id = $2`, [caseId, unitId]);
    await this.days.bump(tx, unitId, at, { completions: 1 });
    const [person] = await tx.query(`SELECT assignee FROM case_people WHERE case_id = $1 AND unit_id = $2`, [caseId, unitId]);
    await this.days.bumpPerson(tx, person?.assignee, unitId, at, { completions: 1 });
    await this.days.bumpCategory(tx, await this.categoryOf(tx, caseId), 'result', at, { due: 1, late: 1 });
  }

  private async judge(tx: EntityManager, caseId: string, kind: Kind, unitId: string, by: string | null, at: Date, due: Date): Promise<void> {
    const onTime = at.getTime() <= due.getTime() ? 1 : 0;
    const lateMinutes = onTime ? 0 : Math.round((at.getTime() - due.getTime()) / 60_000);
    const add = kind === 'first' ? { responses: 1, responsesOnTime: onTime, lateMinutes } : { completions: 1, completionsOnTime: onTime, lateMinutes };
    await this.days.bump(tx, unitId, at, add);
    await this.days.bumpPerson(tx, by, unitId, at, add);
    await this.days.bumpCategory(tx, await this.categoryOf(tx, caseId), kind, at, { due: 1, late: 1 - onTime, lateMinutes });
  }

  private async categoryOf(tx: EntityManager, caseId: string): Promise<string> {
    const [row] = await tx.query(`SELECT category FROM case_categories WHERE case_id = $1`, [caseId]);
    return row?.category ?? 'unknown';
  }

  async assistRequested(tx: EntityManager, assistId: string, unitId: string, at: string): Promise<void> {
    await tx.query(`INSERT INTO assist_requests (assist_id, unit_id, requested_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [assistId, unitId, at]);
  }

  async assistReplied(tx: EntityManager, assistId: string, at: string, by: string | null): Promise<void> {
    const [rows]: [{ unit_id: string; requested_at: Date }[], number] = await tx.query(`DELETE FROM assist_requests WHERE assist_id = $1 RETURNING unit_id, requested_at`, [assistId]);
    const row = rows[0];
    if (!row) return;
    const minutes = Math.max(0, Math.round((new Date(at).getTime() - new Date(row.requested_at).getTime()) / 60_000));
    await this.days.bump(tx, row.unit_id, at, { assistsReplied: 1, assistReplyMinutes: minutes });
    await this.days.bumpPerson(tx, by, row.unit_id, at, { assistsReplied: 1, assistReplyMinutes: minutes });
  }
}
