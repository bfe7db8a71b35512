import { MigrationInterface, QueryRunner } from 'typeorm';

export class EscalationSchema1763900000300 implements MigrationInterface {
  name = 'EscalationSchema1763900000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sla_clocks (
        id         uuid PRIMARY KEY,
        case_id    uuid NOT NULL,
        unit_id    text NOT NULL,
        stage      text NOT NULL,
        tier       text NOT NULL,
        policy     text NOT NULL,
        started_at timestamptz NOT NULL,
        due_at     timestamptz NOT NULL,
        state      text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'met', 'breached', 'cancelled'))
      )`);
    await q.query(`CREATE UNIQUE INDEX sla_clocks_one_running ON sla_clocks (case_id, stage) WHERE state = 'running'`);
    // Timer sweeps read only what is due: cost grows with due clocks, not with open cases.
    await q.query(`CREATE INDEX sla_clocks_due ON sla_clocks (due_at) WHERE state = 'running'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE sla_clocks');
  }
}
