import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stored due times (one row per light change of a clock), claimed by the
 * sweepers with FOR UPDATE SKIP LOCKED. The partial index holds only unfired
 * timers, ordered by due time, so a sweep reads what is due and nothing else.
 */
export class LightTimers1763900000320 implements MigrationInterface {
  name = 'LightTimers1763900000320';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE clock_timers (
        id       uuid PRIMARY KEY,
        clock_id uuid NOT NULL REFERENCES sla_clocks (id),
        case_id  uuid NOT NULL,
        unit_id  text NOT NULL,
        stage    text NOT NULL,
        light    text NOT NULL CHECK (light IN ('yellow', 'orange', 'red')),
        rung     text NOT NULL,
        fire_at  timestamptz NOT NULL,
        fired_at timestamptz,
        fired_by text
      )`);
    await q.query(`CREATE INDEX clock_timers_due ON clock_timers (fire_at) WHERE fired_at IS NULL`);
    await q.query(`CREATE INDEX clock_timers_clock ON clock_timers (clock_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE clock_timers`);
  }
}
