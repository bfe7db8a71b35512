import { MigrationInterface, QueryRunner } from 'typeorm';

/** The responsible unit's path (root first) in the case view, so the heads of the units above reach the case (docs/security.md). */
export class CaseUnitPath1763900000185 implements MigrationInterface {
  name = 'CaseUnitPath1763900000185';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE case_views ADD COLUMN unit_path text[]`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE case_views DROP COLUMN unit_path');
  }
}
