import { MigrationInterface, QueryRunner } from 'typeorm';

/** Daily digests for supervisors: counts per local day, unit and kind, and which digests went out. */
export class Digests1763900000620 implements MigrationInterface {
  name = 'Digests1763900000620';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE digest_counts (day date NOT NULL, unit_id text NOT NULL, key text NOT NULL, n integer NOT NULL DEFAULT 0, PRIMARY KEY (day, unit_id, key))`);
    await q.query(`CREATE TABLE digests_sent (subscription_id uuid NOT NULL, day date NOT NULL, notification_id uuid NOT NULL, PRIMARY KEY (subscription_id, day))`);
    // A digest is about no single case.
    await q.query(`ALTER TABLE notifications ALTER COLUMN case_id DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM deliveries WHERE notification_id IN (SELECT id FROM notifications WHERE case_id IS NULL)`);
    await q.query(`DELETE FROM outbound WHERE notification_id IN (SELECT id FROM notifications WHERE case_id IS NULL)`);
    await q.query(`DELETE FROM notifications WHERE case_id IS NULL`);
    await q.query(`ALTER TABLE notifications ALTER COLUMN case_id SET NOT NULL`);
    await q.query('DROP TABLE digests_sent');
    await q.query('DROP TABLE digest_counts');
  }
}
