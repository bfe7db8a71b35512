import { MigrationInterface, QueryRunner } from 'typeorm';

export class AssessmentSchema1763900000500 implements MigrationInterface {
  name = 'AssessmentSchema1763900000500';

  async up(q: QueryRunner): Promise<void> {
    // Which unit each open case counts against; the per-unit count is derived from it.
    await q.query(`
      CREATE TABLE open_cases (
        case_id     uuid PRIMARY KEY,
        unit_id     text NOT NULL,
        assigned_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX open_cases_unit ON open_cases (unit_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE open_cases');
  }
}
