import { MigrationInterface, QueryRunner } from 'typeorm';

/** The tier a case has now, when a reclassification arrives before or after its assignment. */
export class CaseTiers1763900000310 implements MigrationInterface {
  name = 'CaseTiers1763900000310';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE case_tiers (case_id uuid PRIMARY KEY, tier text NOT NULL, changed_at timestamptz NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE case_tiers');
  }
}
