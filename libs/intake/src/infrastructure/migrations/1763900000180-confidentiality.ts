import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each case's confidentiality (公开 / 内部 / 秘密; docs/security.md) and every change of it, with
 * who and why. Cases filed before levels existed are public, as they were treated.
 */
export class Confidentiality1763900000180 implements MigrationInterface {
  name = 'Confidentiality1763900000180';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases ADD COLUMN confidentiality text NOT NULL DEFAULT 'public' CHECK (confidentiality IN ('public', 'internal', 'secret'))`);
    await q.query(`
      CREATE TABLE case_confidentiality_changes (
        case_id    uuid NOT NULL REFERENCES cases (id),
        changed_at timestamptz NOT NULL DEFAULT now(),
        from_level text NOT NULL,
        to_level   text NOT NULL,
        reason     text NOT NULL,
        changed_by text NOT NULL
      )`);
    await q.query(`CREATE INDEX case_confidentiality_changes_case ON case_confidentiality_changes (case_id, changed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE case_confidentiality_changes');
    await q.query('ALTER TABLE cases DROP COLUMN confidentiality');
  }
}
