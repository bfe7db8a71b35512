import { MigrationInterface, QueryRunner } from 'typeorm';

/** Ratings may also come through Open311. */
export class Open311Ratings1763900000560 implements MigrationInterface {
  name = 'Open311Ratings1763900000560';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ratings DROP CONSTRAINT ratings_via_check`);
    await q.query(`ALTER TABLE ratings ADD CONSTRAINT ratings_via_check CHECK (via IN ('api', 'link', 'open311', 'default'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ratings DROP CONSTRAINT ratings_via_check`);
    await q.query(`ALTER TABLE ratings ADD CONSTRAINT ratings_via_check CHECK (via IN ('api', 'link', 'default'))`);
  }
}
