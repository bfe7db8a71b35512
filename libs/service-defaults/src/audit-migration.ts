import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit trail of one service: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and hash-chained. */
export class AuditTrail1763900000990 implements MigrationInterface {
  name = 'AuditTrail1763900000990';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        seq        bigserial PRIMARY KEY,
        at         timestamptz NOT NULL,
        actor      text NOT NULL,
        subject    text NOT NULL,
        roles      text[] NOT NULL,
        unit_id    text,
        ip         text,
        method     text NOT NULL,
        path       text NOT NULL,
        status     integer NOT NULL,
        request_id text,
        prev_hash  text NOT NULL,
        hash       text NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_log_at ON audit_log (at)`);
    await q.query(`CREATE INDEX audit_log_actor ON audit_log (actor, at)`);
    await q.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`);
    await q.query(`CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    await q.query(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_log');
    await q.query('DROP FUNCTION audit_log_append_only');
  }
}
