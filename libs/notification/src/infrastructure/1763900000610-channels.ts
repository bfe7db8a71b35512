import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who gets what (subscriptions by role, unit and event type, each with its channel), one message
 * per event and person (a redelivered event adds nothing), and the outbound queue with retries,
 * backoff and a dead-letter state; `deliveries` stays the log of every attempt.
 */
export class Channels1763900000610 implements MigrationInterface {
  name = 'Channels1763900000610';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications ADD COLUMN event_id uuid, ADD COLUMN event_type text, ADD COLUMN subscription_id uuid`);
    // One notification per event, person and subscription (in-app defaults have none).
    await q.query(`CREATE UNIQUE INDEX notifications_once ON notifications (event_id, recipient, COALESCE(subscription_id, '00000000-0000-0000-0000-000000000000'::uuid)) WHERE event_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE subscriptions (
        id          uuid PRIMARY KEY,
        username    text NOT NULL,
        roles       text[] NOT NULL,
        unit_id     text,
        event_types text[] NOT NULL,
        all_units   boolean NOT NULL DEFAULT false,
        channel     text NOT NULL CHECK (channel IN ('in-app', 'webhook', 'dingtalk', 'wecom', 'feishu', 'sms', 'email')),
        target      text,
        secret      text,
        locale      text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
        quiet_from  integer,
        quiet_to    integer,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX subscriptions_events ON subscriptions USING gin (event_types)`);
    await q.query(`
      CREATE TABLE outbound (
        id              uuid PRIMARY KEY,
        notification_id uuid NOT NULL REFERENCES notifications (id),
        channel         text NOT NULL,
        target          text NOT NULL,
        secret          text,
        state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'dead')),
        attempts        integer NOT NULL DEFAULT 0,
        next_at         timestamptz NOT NULL,
        last_error      text,
        sent_at         timestamptz,
        UNIQUE (notification_id)
      )`);
    await q.query(`CREATE INDEX outbound_due ON outbound (next_at) WHERE state = 'queued'`);
    await q.query(`ALTER TABLE deliveries DROP CONSTRAINT deliveries_outcome_check`);
    await q.query(`ALTER TABLE deliveries ADD CONSTRAINT deliveries_outcome_check CHECK (outcome IN ('queued', 'delivered', 'failed', 'retried', 'dead'))`);
    await q.query(`ALTER TABLE deliveries ADD COLUMN attempt integer`);
    // Who works on each case now (the first rung of the warning ladder reaches them).
    await q.query(`CREATE TABLE case_people (case_id uuid PRIMARY KEY, unit_id text, assignee text, at timestamptz NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE case_people');
    await q.query('ALTER TABLE deliveries DROP COLUMN attempt');
    await q.query('DROP TABLE outbound');
    await q.query('DROP TABLE subscriptions');
    await q.query('DROP INDEX notifications_once');
    await q.query('ALTER TABLE notifications DROP COLUMN subscription_id, DROP COLUMN event_type, DROP COLUMN event_id');
  }
}
