import { MigrationInterface, QueryRunner } from 'typeorm';

/** The supervision level of a case: department level until it is open at its limit, then organisation level. */
export class SupervisionLevel1763900000350 implements MigrationInterface {
  name = 'SupervisionLevel1763900000350';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_supervision (
        case_id  uuid PRIMARY KEY,
        level    text NOT NULL CHECK (level IN ('department', 'organisation')),
        since    timestamptz NOT NULL,
        clock_id uuid REFERENCES sla_clocks (id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE case_supervision`);
  }
}
