import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Open311 GeoReport v2 extensions: clients that want a `token` answer to POST requests (resolved
 * by GET tokens/{token}), the service attributes a category asks for (`attribute[code]`, seeded
 * from categories.json), and the attribute values a request was filed with.
 */
export class Open311TokensAttributes1763900000190 implements MigrationInterface {
  name = 'Open311TokensAttributes1763900000190';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE open311_clients ADD COLUMN answers_with_token boolean NOT NULL DEFAULT false`);
    await q.query(`
      CREATE TABLE open311_tokens (
        token      uuid PRIMARY KEY,
        client_id  uuid NOT NULL REFERENCES open311_clients (id),
        case_id    uuid NOT NULL REFERENCES cases (id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE categories ADD COLUMN open311_attributes jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`ALTER TABLE cases ADD COLUMN open311_attributes jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE cases DROP COLUMN open311_attributes');
    await q.query('ALTER TABLE categories DROP COLUMN open311_attributes');
    await q.query('DROP TABLE open311_tokens');
    await q.query('ALTER TABLE open311_clients DROP COLUMN answers_with_token');
  }
}
