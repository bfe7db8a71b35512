import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * KPI counters per unit and local day (any period is the sum of at most 366 rows per unit), and
 * what the counting needs to remember: each case's current limits, the assignments and first
 * responses and results counted, and when cooperation requests were made.
 */
export class UnitDays1763900000520 implements MigrationInterface {
  name = 'UnitDays1763900000520';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE unit_days (
        unit_id              text NOT NULL,
        day                  date NOT NULL,
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
        PRIMARY KEY (unit_id, day)
      )`);
    await q.query(`CREATE INDEX unit_days_day ON unit_days (day)`);
    // The month counters kept so far move to the first day of their month.
    await q.query(`
      INSERT INTO unit_days (unit_id, day, resolved, ratings, score_sum, defaulted, rebounds)
      SELECT unit_id, month, resolved, ratings, score_sum, defaulted, rebounds FROM unit_months`);
    await q.query(`DROP TABLE unit_months`);
    // The case's current first-stage and result limits (from sla.clock-started; the latest clock wins).
    await q.query(`
      CREATE TABLE case_limits (
        case_id  uuid NOT NULL,
        kind     text NOT NULL CHECK (kind IN ('first', 'result')),
        clock_id uuid NOT NULL,
        unit_id  text NOT NULL,
        started_at timestamptz NOT NULL,
        due_at   timestamptz NOT NULL,
        PRIMARY KEY (case_id, kind)
      )`);
    // Counted once per case and unit: an assignment, a first response, a first result.
    await q.query(`CREATE TABLE counted (case_id uuid NOT NULL, unit_id text NOT NULL, what text NOT NULL, PRIMARY KEY (case_id, unit_id, what))`);
    await q.query(`CREATE TABLE assist_requests (assist_id uuid PRIMARY KEY, unit_id text NOT NULL, requested_at timestamptz NOT NULL)`);
    // A response or result that arrived before escalation's clock did (topics are not ordered against each other).
    await q.query(`
      CREATE TABLE pending_outcomes (
        case_id uuid NOT NULL,
        kind    text NOT NULL CHECK (kind IN ('first', 'result')),
        unit_id text NOT NULL,
        at      timestamptz NOT NULL,
        PRIMARY KEY (case_id, kind, unit_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE pending_outcomes');
    await q.query('DROP TABLE assist_requests');
    await q.query('DROP TABLE counted');
    await q.query('DROP TABLE case_limits');
    await q.query(`CREATE TABLE unit_months (unit_id text NOT NULL, month date NOT NULL, resolved integer NOT NULL DEFAULT 0, ratings integer NOT NULL DEFAULT 0,
      score_sum integer NOT NULL DEFAULT 0, defaulted integer NOT NULL DEFAULT 0, rebounds integer NOT NULL DEFAULT 0, PRIMARY KEY (unit_id, month))`);
    await q.query('DROP TABLE unit_days');
  }
}
