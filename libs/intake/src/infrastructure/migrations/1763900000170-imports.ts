import { MigrationInterface, QueryRunner } from 'typeorm';

/** Bulk imports: the uploaded file, who and when, and one outcome per row (the report and the resume point). */
export class Imports1763900000170 implements MigrationInterface {
  name = 'Imports1763900000170';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE imports (
        id              uuid PRIMARY KEY,
        format          text NOT NULL CHECK (format IN ('duban', 'boston')),
        file_name       text,
        content         text NOT NULL,
        total_rows      integer NOT NULL,
        status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
        error           text,
        created_by      text NOT NULL,
        created_subject text NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        started_at      timestamptz,
        heartbeat_at    timestamptz,
        finished_at     timestamptz
      )`);
    await q.query(`CREATE INDEX imports_pending ON imports (created_at) WHERE status IN ('queued', 'running')`);
    await q.query(`
      CREATE TABLE import_rows (
        import_id  uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
        row_number integer NOT NULL,
        outcome    text NOT NULL CHECK (outcome IN ('accepted', 'linked', 'rejected')),
        case_id    uuid,
        reference  text,
        errors     jsonb,
        PRIMARY KEY (import_id, row_number)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE import_rows`);
    await q.query(`DROP TABLE imports`);
  }
}
