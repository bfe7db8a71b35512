import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The subscriber's clearance when they subscribed (docs/security.md): a message about a case above
 * it carries no details. Subscriptions made before clearances existed count as public.
 */
export class SubscriberClearance1763900000640 implements MigrationInterface {
  name = 'SubscriberClearance1763900000640';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscriptions ADD COLUMN clearance text NOT NULL DEFAULT 'public' CHECK (clearance IN ('public', 'internal', 'secret'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE subscriptions DROP COLUMN clearance');
  }
}
