import { MigrationInterface, QueryRunner } from 'typeorm';

/** Revisits (回访) planned after a satisfied resolution, and the cases closed and archived. */
export class Revisits1763900000530 implements MigrationInterface {
  name = 'Revisits1763900000530';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE revisits (
        id          uuid PRIMARY KEY,
        case_id     uuid NOT NULL,
        round       integer NOT NULL,
        unit_id     text NOT NULL,
        after_days  integer NOT NULL,
        due_at      timestamptz NOT NULL,
        state       text NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'done', 'cancelled')),
        outcome     text CHECK (outcome IN ('resolved', 'recurred', 'unreachable')),
        done_by     text,
        done_at     timestamptz,
        note        text,
        UNIQUE (case_id, round, after_days)
      )`);
    await q.query(`CREATE INDEX revisits_due ON revisits (due_at) WHERE state = 'scheduled'`);
    await q.query(`CREATE TABLE closed_cases (case_id uuid PRIMARY KEY, unit_id text NOT NULL, round integer NOT NULL, closed_at timestamptz NOT NULL, reason text NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE closed_cases');
    await q.query('DROP TABLE revisits');
  }
}
