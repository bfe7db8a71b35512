import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each post's clearance (public / internal / secret; the same attribute the identity provider puts
 * in the person's token): dispatch never gives a case to a person who could not open it — a case
 * above every post's clearance waits in the unit's queue for its head.
 */
export class PostClearance1763900000230 implements MigrationInterface {
  name = 'PostClearance1763900000230';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE unit_posts ADD COLUMN clearance text NOT NULL DEFAULT 'internal' CHECK (clearance IN ('public', 'internal', 'secret'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE unit_posts DROP COLUMN clearance');
  }
}
