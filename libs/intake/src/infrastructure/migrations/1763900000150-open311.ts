import { MigrationInterface, QueryRunner } from 'typeorm';

/** Open311 GeoReport v2: per-client API keys (only their hash is stored) and a case's media URL. */
export class Open311Clients1763900000150 implements MigrationInterface {
  name = 'Open311Clients1763900000150';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE open311_clients (
        id         uuid PRIMARY KEY,
        name       text NOT NULL,
        key_hash   text NOT NULL UNIQUE,
        key_prefix text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        revoked_by text
      )`);
    await q.query(`ALTER TABLE cases ADD COLUMN media_url text`);
    // GET requests lists public cases by time, status and service.
    await q.query(`CREATE INDEX cases_received ON cases (received_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX cases_received`);
    await q.query(`ALTER TABLE cases DROP COLUMN media_url`);
    await q.query(`DROP TABLE open311_clients`);
  }
}
