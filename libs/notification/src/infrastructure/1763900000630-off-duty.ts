import { MigrationInterface, QueryRunner } from 'typeorm';

/** Quiet hours may be "whenever off duty" on the working calendar, instead of a fixed window. */
export class OffDuty1763900000630 implements MigrationInterface {
  name = 'OffDuty1763900000630';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscriptions ADD COLUMN quiet_off_duty boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscriptions DROP COLUMN quiet_off_duty`);
  }
}
