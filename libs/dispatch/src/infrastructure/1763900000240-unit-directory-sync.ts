import { MigrationInterface, QueryRunner } from 'typeorm';

/** The facts each unit and its Keycloak group last agreed on (null: never synchronised; docs/dispatch.md). */
export class UnitDirectorySync1763900000240 implements MigrationInterface {
  name = 'UnitDirectorySync1763900000240';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE units ADD COLUMN synced jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE units DROP COLUMN synced');
  }
}
