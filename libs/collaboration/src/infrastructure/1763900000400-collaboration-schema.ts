import { MigrationInterface, QueryRunner } from 'typeorm';

export class CollaborationSchema1763900000400 implements MigrationInterface {
  name = 'CollaborationSchema1763900000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workspaces (
        id        uuid PRIMARY KEY,
        case_id   uuid NOT NULL,
        unit_id   text NOT NULL,
        handler   text,
        state     text NOT NULL DEFAULT 'awaiting-sign-for'
                  CHECK (state IN ('awaiting-sign-for', 'in-progress', 'resolved', 'withdrawn')),
        opened_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The lead unit has one live workspace per case.
    await q.query(`CREATE UNIQUE INDEX workspaces_one_live ON workspaces (case_id) WHERE state <> 'withdrawn'`);
    await q.query(`CREATE INDEX workspaces_unit ON workspaces (unit_id, state)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE workspaces');
  }
}
