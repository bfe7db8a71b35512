import { MigrationInterface, QueryRunner } from 'typeorm';

/** The same KPI counters per person and local day, and who each case's work belongs to. */
export class People1763900000550 implements MigrationInterface {
  name = 'People1763900000550';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE person_days (
        username             text NOT NULL,
        day                  date NOT NULL,
        unit_id              text NOT NULL,
        assigned             integer NOT NULL DEFAULT 0,
        responses            integer NOT NULL DEFAULT 0,
        responses_on_time    integer NOT NULL DEFAULT 0,
        completions          integer NOT NULL DEFAULT 0,
        completions_on_time  integer NOT NULL DEFAULT 0,
        resolved             integer NOT NULL DEFAULT 0,
        ratings              integer NOT NULL DEFAULT 0,
        score_sum            integer NOT NULL DEFAULT 0,
        defaulted            integer NOT NULL DEFAULT 0,
        rebounds             integer NOT NULL DEFAULT 0,
        first_time           integer NOT NULL DEFAULT 0,
        first_ratings        integer NOT NULL DEFAULT 0,
        assists_replied      integer NOT NULL DEFAULT 0,
        assist_reply_minutes bigint NOT NULL DEFAULT 0,
        late_minutes         bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (username, day)
      )`);
    await q.query(`CREATE INDEX person_days_unit ON person_days (unit_id, day)`);
    await q.query(`CREATE TABLE case_people (case_id uuid PRIMARY KEY, unit_id text NOT NULL, assignee text)`);
    await q.query(`ALTER TABLE rating_requests ADD COLUMN resolved_by text`);
    await q.query(`ALTER TABLE pending_outcomes ADD COLUMN by text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE pending_outcomes DROP COLUMN by');
    await q.query('ALTER TABLE rating_requests DROP COLUMN resolved_by');
    await q.query('DROP TABLE case_people');
    await q.query('DROP TABLE person_days');
  }
}
