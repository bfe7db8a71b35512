import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where time is lost: minutes past the limit per unit and day, and per category, stage and day
 * (the quarterly report's recommendations), kept from the same events as the other counters.
 */
export class LostTime1763900000540 implements MigrationInterface {
  name = 'LostTime1763900000540';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE unit_days ADD COLUMN late_minutes bigint NOT NULL DEFAULT 0`);
    await q.query(`CREATE TABLE case_categories (case_id uuid PRIMARY KEY, category text NOT NULL)`);
    await q.query(`
      CREATE TABLE category_days (
        category     text NOT NULL,
        kind         text NOT NULL CHECK (kind IN ('first', 'result')),
        day          date NOT NULL,
        due          integer NOT NULL DEFAULT 0,
        late         integer NOT NULL DEFAULT 0,
        late_minutes bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (category, kind, day)
      )`);
    await q.query(`CREATE INDEX category_days_day ON category_days (day)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE category_days');
    await q.query('DROP TABLE case_categories');
    await q.query('ALTER TABLE unit_days DROP COLUMN late_minutes');
  }
}
