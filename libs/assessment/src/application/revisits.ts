import { AnyEnvelope, CaseClosed, CaseRebounded, CaseRevisited, newEvent } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { hasRole, Principal } from '@duban/auth';
import { Problems, ServiceRuntime, clearedCases } from '@duban/service-defaults';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { UnitDays } from '../infrastructure/unit-days';

const DAY = 86_400_000;
const STAFF = ['operator', 'supervisor', 'admin'] as const;

export interface RevisitOptions {
  /** Days after a resolution the reporter is called back (empty: no revisits, the case closes when rated). */
  afterDays: readonly number[];
  now?: () => Date;
}

interface RevisitRow {
  id: string;
  case_id: string;
  round: number;
  unit_id: string;
  after_days: number;
  state: string;
}

/**
 * Revisits (回访) and closing (归档): a resolution rated without a rebound gets revisits at 30 and
 * 90 days for revisit staff; a problem that recurred reopens the case as a rebound; when every
 * revisit is done the case is closed and archived. Without revisits, it closes when rated.
 */
export class Revisits {
  readonly now: () => Date;

  constructor(
    private readonly runtime: Pick<ServiceRuntime, 'dataSource' | 'topic'>,
    private readonly days: UnitDays,
    private readonly options: RevisitOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** After a rating that did not reopen the case: plan its revisits, or close it when there are none. */
  async afterRating(tx: EntityManager, r: { caseId: string; round: number; unitId: string; resolvedAt: Date }, at: Date): Promise<AnyEnvelope[]> {
    if (this.options.afterDays.length === 0) return this.close(tx, r.caseId, r.unitId, r.round, at, 'rated without a rebound; no revisits configured');
    for (const d of this.options.afterDays) {
      await tx.query(
        `INSERT INTO revisits (id, case_id, round, unit_id, after_days, due_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id, round, after_days) DO NOTHING`,
        [randomUUID(), r.caseId, r.round, r.unitId, d, new Date(r.resolvedAt.getTime() + d * DAY)],
      );
    }
    return [];
  }

  /** Revisits for staff, oldest due first; `due`: the scheduled ones due by now (the call list). */
  async list(principal: Principal, filter: { state?: string; due?: boolean; caseId?: string }) {
    if (!hasRole(principal, ...STAFF, 'assessor')) throw Problems.forbidden('Revisits are for revisit staff (operators), supervisors and assessors.');
    const params: unknown[] = [filter.state ?? null, filter.due ?? false, this.now(), filter.caseId ?? null];
    const cleared = clearedCases(principal, 'revisits.case_id', params);
    return this.runtime.dataSource.query(
      `SELECT id, case_id AS "caseId", round, unit_id AS "unitId", after_days AS "afterDays", due_at AS "dueAt", state, outcome, done_by AS "doneBy", done_at AS "doneAt", note
         FROM revisits
        WHERE ($1::text IS NULL OR state = $1) AND (NOT $2 OR (due_at <= $3 AND state = 'scheduled')) AND ($4::uuid IS NULL OR case_id = $4) AND ${cleared}
        ORDER BY due_at LIMIT 500`,
      params,
    );
  }

  /** Records a revisit's outcome, once; a recurred problem is a rebound, the last revisit closes the case. */
  async record(principal: Principal, revisitId: string, body: { outcome: 'resolved' | 'recurred' | 'unreachable'; note?: string }) {
    if (!hasRole(principal, ...STAFF)) throw Problems.forbidden('Revisits are recorded by revisit staff (operators) and supervisors.');
    if (body.outcome === 'recurred' && !body.note) throw Problems.field('note', 'say what recurred');
    const now = this.now();
    return this.runtime.dataSource.transaction(async (tx) => {
      const [v]: RevisitRow[] = await tx.query(`SELECT id, case_id, round, unit_id, after_days, state FROM revisits WHERE id = $1 FOR UPDATE`, [revisitId]);
      if (!v) throw Problems.notFound('This revisit');
      if (v.state !== 'scheduled') throw Problems.conflict(`This revisit is ${v.state} already.`);
      await tx.query(`UPDATE revisits SET state = 'done', outcome = $2, done_by = $3, done_at = $4, note = $5 WHERE id = $1`, [revisitId, body.outcome, principal.username, now, body.note ?? null]);
      const common = { caseId: v.case_id, unitId: v.unit_id, occurredAt: now };
      const events: AnyEnvelope[] = [
        newEvent(CaseRevisited, { ...common, data: { revisitId, unitId: v.unit_id, round: v.round, afterDays: v.after_days, outcome: body.outcome, by: principal.username, ...(body.note ? { note: body.note } : {}) } }),
      ];
      let closed = false;
      if (body.outcome === 'recurred') {
        // The problem came back: a rebound against the unit; the round's other revisits are moot.
        await tx.query(`UPDATE revisits SET state = 'cancelled' WHERE case_id = $1 AND round = $2 AND state = 'scheduled'`, [v.case_id, v.round]);
        await tx.query(`INSERT INTO open_cases (case_id, unit_id, assigned_at) VALUES ($1, $2, $3) ON CONFLICT (case_id) DO NOTHING`, [v.case_id, v.unit_id, now]);
        await this.days.bump(tx, v.unit_id, now, { rebounds: 1 });
        const [request] = await tx.query(`SELECT resolved_by FROM rating_requests WHERE case_id = $1 AND round = $2`, [v.case_id, v.round]);
        await this.days.bumpPerson(tx, request?.resolved_by, v.unit_id, now, { rebounds: 1 });
        events.push(
          newEvent(CaseRebounded, {
            ...common,
            data: { ratingId: revisitId, unitId: v.unit_id, round: v.round, level: 'dissatisfied', reason: `recurred (revisit after ${v.after_days} days): ${body.note}`.slice(0, 1000) },
          }),
        );
      } else {
        const [left] = await tx.query(`SELECT 1 FROM revisits WHERE case_id = $1 AND round = $2 AND state = 'scheduled'`, [v.case_id, v.round]);
        if (!left) {
          events.push(...(await this.close(tx, v.case_id, v.unit_id, v.round, now, `every revisit done (last after ${v.after_days} days: ${body.outcome})`)));
          closed = true;
        }
      }
      await enqueue(tx, this.runtime.topic, events);
      return { id: revisitId, caseId: v.case_id, round: v.round, afterDays: v.after_days, state: 'done', outcome: body.outcome, rebound: body.outcome === 'recurred', closed };
    });
  }

  private async close(tx: EntityManager, caseId: string, unitId: string, round: number, at: Date, reason: string): Promise<AnyEnvelope[]> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO closed_cases (case_id, unit_id, round, closed_at, reason) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (case_id) DO UPDATE SET unit_id = EXCLUDED.unit_id, round = EXCLUDED.round, closed_at = EXCLUDED.closed_at, reason = EXCLUDED.reason
       WHERE closed_cases.round < EXCLUDED.round RETURNING case_id`,
      [caseId, unitId, round, at, reason],
    );
    return rows.length > 0 ? [newEvent(CaseClosed, { caseId, unitId, occurredAt: at, data: { unitId, round, reason } })] : [];
  }
}
