import { MigrationInterface, QueryRunner } from 'typeorm';

/** Units get a kind and, like posts and rules, remember whether an administrator changed them. */
export class DemoOrganisation1763900000210 implements MigrationInterface {
  name = 'DemoOrganisation1763900000210';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE units ADD COLUMN kind text NOT NULL DEFAULT 'bureau', ADD COLUMN origin text NOT NULL DEFAULT 'seed'`);
    await q.query(`ALTER TABLE unit_posts ADD COLUMN origin text NOT NULL DEFAULT 'seed'`);
    await q.query(`ALTER TABLE unit_posts DROP CONSTRAINT unit_posts_post_check`);
    await q.query(`ALTER TABLE unit_posts ADD CONSTRAINT unit_posts_post_check CHECK (post IN ('A', 'B', 'head'))`);
    await q.query(`ALTER TABLE routing_rules ADD COLUMN origin text NOT NULL DEFAULT 'seed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE routing_rules DROP COLUMN origin`);
    await q.query(`DELETE FROM unit_posts WHERE post = 'head'`);
    await q.query(`ALTER TABLE unit_posts DROP CONSTRAINT unit_posts_post_check`);
    await q.query(`ALTER TABLE unit_posts ADD CONSTRAINT unit_posts_post_check CHECK (post IN ('A', 'B'))`);
    await q.query(`ALTER TABLE unit_posts DROP COLUMN origin`);
    await q.query(`ALTER TABLE units DROP COLUMN kind, DROP COLUMN origin`);
  }
}
