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

/**
 * Entries are written without waiting for the chain (a plain insert on the request path) and
 * chained in the background, in the order the chainer sees them (`chain_pos`): the trigger lets
 * exactly that happen — an unchained entry's hash set once, nothing else changed.
 */
export class AuditChainInBackground1763900000991 implements MigrationInterface {
  name = 'AuditChainInBackground1763900000991';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL, ADD COLUMN chain_pos bigint UNIQUE`);
    // Entries chained before this change keep their place.
    await q.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`);
    await q.query(`UPDATE audit_log SET chain_pos = seq`);
    await q.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`);
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL AND NEW.chain_pos IS NOT NULL
           AND (NEW.seq, NEW.at, NEW.actor, NEW.subject, NEW.roles, NEW.unit_id, NEW.ip, NEW.method, NEW.path, NEW.status, NEW.request_id)
               IS NOT DISTINCT FROM (OLD.seq, OLD.at, OLD.actor, OLD.subject, OLD.roles, OLD.unit_id, OLD.ip, OLD.method, OLD.path, OLD.status, OLD.request_id) THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only';
      END $$`);
    await q.query(`CREATE INDEX audit_log_unchained ON audit_log (seq) WHERE hash IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_log_unchained`);
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`);
    await q.query(`ALTER TABLE audit_log DROP COLUMN chain_pos`);
  }
}
