import type { EntityManager } from 'typeorm';

/** Assessment's record of each case: who reported it (may rate it) and which unit holds it while it is open. */
export class CaseLedger {
  async reporter(tx: EntityManager, caseId: string, subject: string, username: string | null): Promise<void> {
    await tx.query(`INSERT INTO case_reporters (case_id, reporter_subject, reporter_username) VALUES ($1, $2, $3) ON CONFLICT (case_id) DO NOTHING`, [caseId, subject, username]);
  }

  /** The case counts into the unit's open cases; a later assignment moves it, an earlier one (redelivered late) does not. */
  async opened(tx: EntityManager, caseId: string, unitId: string, assignedAt: string): Promise<void> {
    await tx.query(
      `INSERT INTO open_cases (case_id, unit_id, assigned_at) VALUES ($1, $2, $3)
       ON CONFLICT (case_id) DO UPDATE SET unit_id = EXCLUDED.unit_id, assigned_at = EXCLUDED.assigned_at
       WHERE open_cases.assigned_at <= EXCLUDED.assigned_at`,
      [caseId, unitId, assignedAt],
    );
  }

  async resolved(tx: EntityManager, caseId: string): Promise<void> {
    await tx.query(`DELETE FROM open_cases WHERE case_id = $1`, [caseId]);
  }
}
