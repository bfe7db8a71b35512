import { MigrationInterface, QueryRunner } from 'typeorm';

export class NotificationSchema1763900000600 implements MigrationInterface {
  name = 'NotificationSchema1763900000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notifications (
        id         uuid PRIMARY KEY,
        recipient  text NOT NULL,
        case_id    uuid NOT NULL,
        template   text NOT NULL,
        title      text NOT NULL,
        body       text NOT NULL,
        channel    text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at    timestamptz
      )`);
    await q.query(`CREATE INDEX notifications_inbox ON notifications (recipient, created_at DESC)`);
    await q.query(`
      CREATE TABLE deliveries (
        id              bigserial PRIMARY KEY,
        notification_id uuid NOT NULL REFERENCES notifications (id),
        channel         text NOT NULL,
        outcome         text NOT NULL CHECK (outcome IN ('delivered', 'failed')),
        detail          text,
        at              timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE deliveries');
    await q.query('DROP TABLE notifications');
  }
}
