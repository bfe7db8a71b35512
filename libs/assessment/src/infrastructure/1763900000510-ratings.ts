import { MigrationInterface, QueryRunner } from 'typeorm';

/** Ratings of resolved cases, the requests that wait for them, and the unit-month roll-up kept from events. */
export class Ratings1763900000510 implements MigrationInterface {
  name = 'Ratings1763900000510';

  async up(q: QueryRunner): Promise<void> {
    // Who may rate a case (from case.received; the subject of the reporter's identity).
    await q.query(`CREATE TABLE case_reporters (case_id uuid PRIMARY KEY, reporter_subject text NOT NULL, reporter_username text)`);
    // One request per resolution (round): rated by the reporter, or by default when due_at passes.
    await q.query(`
      CREATE TABLE rating_requests (
        case_id     uuid NOT NULL,
        round       integer NOT NULL,
        unit_id     text NOT NULL,
        resolved_at timestamptz NOT NULL,
        due_at      timestamptz NOT NULL,
        rated_at    timestamptz,
        PRIMARY KEY (case_id, round)
      )`);
    await q.query(`CREATE INDEX rating_requests_due ON rating_requests (due_at) WHERE rated_at IS NULL`);
    await q.query(`
      CREATE TABLE ratings (
        id        uuid PRIMARY KEY,
        case_id   uuid NOT NULL,
        round     integer NOT NULL,
        unit_id   text NOT NULL,
        level     text NOT NULL,
        score     integer NOT NULL CHECK (score BETWEEN 0 AND 100),
        via       text NOT NULL CHECK (via IN ('api', 'link', 'default')),
        rated_by  text,
        comment   text,
        rated_at  timestamptz NOT NULL,
        UNIQUE (case_id, round)
      )`);
    // Per unit and month, maintained in the transaction of each event (never recomputed from history).
    await q.query(`
      CREATE TABLE unit_months (
        unit_id    text NOT NULL,
        month      date NOT NULL,
        resolved   integer NOT NULL DEFAULT 0,
        ratings    integer NOT NULL DEFAULT 0,
        score_sum  integer NOT NULL DEFAULT 0,
        defaulted  integer NOT NULL DEFAULT 0,
        rebounds   integer NOT NULL DEFAULT 0,
        PRIMARY KEY (unit_id, month)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE unit_months');
    await q.query('DROP TABLE ratings');
    await q.query('DROP TABLE rating_requests');
    await q.query('DROP TABLE case_reporters');
  }
}
