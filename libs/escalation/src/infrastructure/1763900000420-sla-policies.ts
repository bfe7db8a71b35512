import { MigrationInterface, QueryRunner } from 'typeorm';

/** Time limits an administrator changed (the defaults live in code, sla-policy.ts); new clocks use them. */
export class SlaPolicies1763900000420 implements MigrationInterface {
  name = 'SlaPolicies1763900000420';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sla_policy_overrides (
        key         text PRIMARY KEY,
        minutes     integer NOT NULL CHECK (minutes > 0),
        basis       text NOT NULL CHECK (basis IN ('working', 'elapsed')),
        changed_by  text NOT NULL,
        changed_at  timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE sla_policy_overrides');
  }
}
