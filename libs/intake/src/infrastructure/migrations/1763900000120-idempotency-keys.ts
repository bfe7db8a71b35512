import { MigrationInterface, QueryRunner } from 'typeorm';

/** A retried POST with the same Idempotency-Key returns the case the first one created. */
export class IdempotencyKeys1763900000120 implements MigrationInterface {
  name = 'IdempotencyKeys1763900000120';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        subject      text NOT NULL,
        key          text NOT NULL,
        request_hash text NOT NULL,
        case_id      uuid NOT NULL REFERENCES cases (id) DEFERRABLE INITIALLY DEFERRED,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subject, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE idempotency_keys');
  }
}
