import { MigrationInterface, QueryRunner } from 'typeorm';

/** The caller a hotline operator files for, and the source of leader and inspection cases. */
export class CallerAndSource1763900000140 implements MigrationInterface {
  name = 'CallerAndSource1763900000140';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE cases ADD COLUMN caller jsonb, ADD COLUMN source_reference text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE cases DROP COLUMN caller, DROP COLUMN source_reference');
  }
}
