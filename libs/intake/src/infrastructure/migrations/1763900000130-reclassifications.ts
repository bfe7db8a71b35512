import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every reclassification is kept: who changed what, when and why. */
export class Reclassifications1763900000130 implements MigrationInterface {
  name = 'Reclassifications1763900000130';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_reclassifications (
        id            bigserial PRIMARY KEY,
        case_id       uuid NOT NULL REFERENCES cases (id),
        from_category text NOT NULL,
        to_category   text NOT NULL,
        from_tier     text NOT NULL,
        to_tier       text NOT NULL,
        reason        text NOT NULL,
        changed_by    text NOT NULL,
        changed_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX case_reclassifications_case ON case_reclassifications (case_id, changed_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE case_reclassifications');
  }
}
