import type { EntityManager } from 'typeorm';

export interface LiveWorkspace {
  id: string;
  unitId: string;
}

/** The handling workspaces as the assignment events change them (the SQL of collaboration's event handlers). */
export class WorkspaceRepository {
  /** The case's workspace that is not withdrawn, locked for the transaction. */
  async liveForUpdate(tx: EntityManager, caseId: string): Promise<LiveWorkspace | null> {
    const rows: { id: string; unit_id: string }[] = await tx.query(`SELECT id, unit_id FROM workspaces WHERE case_id = $1 AND state <> 'withdrawn' FOR UPDATE`, [caseId]);
    return rows[0] ? { id: rows[0].id, unitId: rows[0].unit_id } : null;
  }

  async withdraw(tx: EntityManager, workspaceId: string): Promise<void> {
    await tx.query(`UPDATE workspaces SET state = 'withdrawn' WHERE id = $1`, [workspaceId]);
  }

  async open(tx: EntityManager, w: { id: string; caseId: string; unitId: string; handler: string | null; tier: string; openedAt: string }): Promise<void> {
    await tx.query('INSERT INTO workspaces (id, case_id, unit_id, handler, tier, opened_at) VALUES ($1, $2, $3, $4, $5, $6)', [w.id, w.caseId, w.unitId, w.handler, w.tier, w.openedAt]);
  }

  async setTier(tx: EntityManager, caseId: string, tier: string): Promise<void> {
    await tx.query(`UPDATE workspaces SET tier = $2 WHERE case_id = $1 AND state <> 'withdrawn'`, [caseId, tier]);
  }

  /** A resolved case back in progress; the unit that holds it, or null when it was not resolved. */
  async reopen(tx: EntityManager, caseId: string): Promise<string | null> {
    const [rows]: [{ unit_id: string }[], number] = await tx.query(`UPDATE workspaces SET state = 'in-progress' WHERE case_id = $1 AND state = 'resolved' RETURNING unit_id`, [caseId]);
    return rows[0]?.unit_id ?? null;
  }

  async trail(tx: EntityManager, entry: { caseId: string; at: string; by: string; unitId: string; action: string; detail: object }): Promise<void> {
    await tx.query(`INSERT INTO workspace_trail (case_id, at, by, unit_id, action, detail) VALUES ($1, $2, $3, $4, $5, $6)`, [
      entry.caseId,
      entry.at,
      entry.by,
      entry.unitId,
      entry.action,
      JSON.stringify(entry.detail),
    ]);
  }
}
