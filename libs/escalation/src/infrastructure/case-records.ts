import type { EntityManager } from 'typeorm';
import type { Tier } from '../domain/sla-policy';

/**
 * Escalation's own record of each case as the other services' events describe it: the early-warning
 * ledger (case_risk), who is responsible now (case_units), its tier (case_tiers) and what its clocks are.
 */
export class CaseRecords {
  /** The ledger learns the category and the channel from the filing. */
  async received(tx: EntityManager, caseId: string, category: string, channel: string): Promise<void> {
    await tx.query(
      `INSERT INTO case_risk (case_id, category, channel) VALUES ($1, $2, $3)
       ON CONFLICT (case_id) DO UPDATE SET channel = EXCLUDED.channel, category = COALESCE(case_risk.category, EXCLUDED.category)`,
      [caseId, category, channel],
    );
  }

  /** The unit responsible now, taken on at the first assignment; scored again. */
  async assigned(tx: EntityManager, a: { caseId: string; category: string; unitId: string; assignee: string | null; at: string }): Promise<void> {
    await tx.query(
      `INSERT INTO case_risk (case_id, category, unit_id, opened_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (case_id) DO UPDATE SET category = EXCLUDED.category, unit_id = EXCLUDED.unit_id,
              opened_at = LEAST(COALESCE(case_risk.opened_at, EXCLUDED.opened_at), EXCLUDED.opened_at), scored_at = NULL`,
      [a.caseId, a.category, a.unitId, a.at],
    );
    // Who is responsible now (supervision orders go to them); a late redelivery of an older assignment changes nothing.
    await tx.query(
      `INSERT INTO case_units (case_id, unit_id, assignee, assigned_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (case_id) DO UPDATE SET unit_id = EXCLUDED.unit_id, assignee = EXCLUDED.assignee, assigned_at = EXCLUDED.assigned_at
       WHERE case_units.assigned_at <= EXCLUDED.assigned_at`,
      [a.caseId, a.unitId, a.assignee, a.at],
    );
  }

  /** The unit responsible for the case now, the case's row locked (null: never assigned). */
  async unitForUpdate(tx: EntityManager, caseId: string): Promise<string | null> {
    const [unit] = await tx.query('SELECT unit_id FROM case_units WHERE case_id = $1 FOR UPDATE', [caseId]);
    return unit?.unit_id ?? null;
  }

  /** The tier set by the latest reclassification, if any. */
  async tier(tx: EntityManager, caseId: string): Promise<Tier | null> {
    const [known] = await tx.query('SELECT tier FROM case_tiers WHERE case_id = $1', [caseId]);
    return (known?.tier as Tier | undefined) ?? null;
  }

  /** The tier of the case's latest clock (a case never reclassified). */
  async lastClockTier(tx: EntityManager, caseId: string): Promise<Tier | null> {
    const [last] = await tx.query(`SELECT tier FROM sla_clocks WHERE case_id = $1 ORDER BY started_at DESC LIMIT 1`, [caseId]);
    return (last?.tier as Tier | undefined) ?? null;
  }

  /** The tier of the latest reclassification (null: never reclassified) and the stages and states of the case's clocks, in one statement. */
  async clockContext(tx: EntityManager, caseId: string): Promise<{ tier: Tier | null; clocks: { stage: string; state: string }[] }> {
    const [row]: { tier: Tier | null; clocks: { stage: string; state: string }[] }[] = await tx.query(
      `SELECT (SELECT tier FROM case_tiers WHERE case_id = $1) AS tier,
              COALESCE((SELECT json_agg(json_build_object('stage', stage, 'state', state)) FROM sla_clocks WHERE case_id = $1), '[]'::json) AS clocks`,
      [caseId],
    );
    return row;
  }

  async reclassified(tx: EntityManager, caseId: string, tier: Tier, category: string, at: string): Promise<void> {
    await tx.query(
      `INSERT INTO case_tiers (case_id, tier, changed_at) VALUES ($1, $2, $3)
       ON CONFLICT (case_id) DO UPDATE SET tier = EXCLUDED.tier, changed_at = EXCLUDED.changed_at
       WHERE case_tiers.changed_at <= EXCLUDED.changed_at`,
      [caseId, tier, at],
    );
    await tx.query(`UPDATE case_risk SET category = $2, scored_at = NULL WHERE case_id = $1`, [caseId, category]);
  }

  /** The running, unpaused clocks of these stages cancelled (to be started again with other limits). */
  async cancelRunning(tx: EntityManager, caseId: string, stages: readonly string[]): Promise<{ id: string; unit_id: string; started_at: Date }[]> {
    // For UPDATE … RETURNING the driver answers [rows, affected count].
    const [cancelled]: [{ id: string; unit_id: string; started_at: Date }[], number] = await tx.query(
      `UPDATE sla_clocks SET state = 'cancelled' WHERE case_id = $1 AND state = 'running' AND stage = ANY($2) AND paused_at IS NULL
       RETURNING id, unit_id, started_at`,
      [caseId, stages],
    );
    return cancelled;
  }

  /** The running clock of a cooperation request cancelled (its limit moves). */
  async cancelAssistClock(tx: EntityManager, assistId: string): Promise<{ id: string; tier: Tier }[]> {
    const [old]: [{ id: string; tier: Tier }[], number] = await tx.query(`UPDATE sla_clocks SET state = 'cancelled' WHERE ref = $1 AND state = 'running' RETURNING id, tier`, [assistId]);
    return old;
  }

  async closed(tx: EntityManager, caseId: string, at: string): Promise<void> {
    await tx.query(`UPDATE case_risk SET closed_at = $2 WHERE case_id = $1 AND closed_at IS NULL`, [caseId, at]);
  }

  async reopened(tx: EntityManager, caseId: string): Promise<void> {
    await tx.query(`UPDATE case_risk SET closed_at = NULL, scored_at = NULL WHERE case_id = $1`, [caseId]);
  }

  /** The limit moved: score the case again. */
  async rescore(tx: EntityManager, caseId: string): Promise<void> {
    await tx.query(`UPDATE case_risk SET scored_at = NULL WHERE case_id = $1`, [caseId]);
  }
}
