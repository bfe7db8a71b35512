import { MigrationInterface, QueryRunner } from 'typeorm';

/** A unit's own working hours and weekly days off (a 24/7 hotline, a district office on 08:30–17:30); holidays stay the organisation's. */
export class UnitCalendars1763900000380 implements MigrationInterface {
  name = 'UnitCalendars1763900000380';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE unit_calendars (
        unit_id       text PRIMARY KEY,
        periods       jsonb NOT NULL,
        weekend_days  integer[] NOT NULL,
        holidays      boolean NOT NULL DEFAULT true,
        changed_by    text NOT NULL,
        changed_at    timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE unit_calendars');
  }
}
