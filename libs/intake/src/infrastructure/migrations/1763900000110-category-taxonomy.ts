import { MigrationInterface, QueryRunner } from 'typeorm';

/** Categories become a two-level taxonomy (class → sub-class) kept as versioned seed data. */
export class CategoryTaxonomy1763900000110 implements MigrationInterface {
  name = 'CategoryTaxonomy1763900000110';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE categories
        ADD COLUMN class_code    text,
        ADD COLUMN class_name_zh text,
        ADD COLUMN class_name_en text,
        ADD COLUMN default_unit  text,
        ADD COLUMN keywords      jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN origin        text NOT NULL DEFAULT 'seed' CHECK (origin IN ('seed', 'admin'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE categories DROP COLUMN class_code, DROP COLUMN class_name_zh, DROP COLUMN class_name_en,
        DROP COLUMN default_unit, DROP COLUMN keywords, DROP COLUMN origin`);
  }
}
