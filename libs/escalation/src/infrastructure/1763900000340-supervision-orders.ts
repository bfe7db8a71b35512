import { MigrationInterface, QueryRunner } from 'typeorm';

/** The unit responsible for each case now (from every assignment), and supervision orders (督办单). */
export class SupervisionOrders1763900000340 implements MigrationInterface {
  name = 'SupervisionOrders1763900000340';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_units (
        case_id     uuid PRIMARY KEY,
        unit_id     text NOT NULL,
        assignee    text,
        assigned_at timestamptz NOT NULL
      )`);
    // Cases assigned before this table: their unit as their latest clock knows it.
    await q.query(`INSERT INTO case_units (case_id, unit_id, assigned_at)
                   SELECT DISTINCT ON (case_id) case_id, unit_id, started_at FROM sla_clocks ORDER BY case_id, started_at DESC`);
    await q.query(`
      CREATE TABLE supervision_orders (
        id             uuid PRIMARY KEY,
        case_id        uuid NOT NULL,
        unit_id        text NOT NULL,
        clock_id       uuid NOT NULL REFERENCES sla_clocks (id),
        issued_by      text NOT NULL,
        issued_at      timestamptz NOT NULL DEFAULT now(),
        reason         text NOT NULL,
        due_at         timestamptz NOT NULL,
        reply_required boolean NOT NULL,
        status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'replied')),
        reply          text,
        replied_by     text,
        replied_at     timestamptz
      )`);
    await q.query(`CREATE INDEX supervision_orders_case ON supervision_orders (case_id)`);
    await q.query(`CREATE INDEX supervision_orders_open ON supervision_orders (due_at) WHERE status = 'open'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE supervision_orders`);
    await q.query(`DROP TABLE case_units`);
  }
}
