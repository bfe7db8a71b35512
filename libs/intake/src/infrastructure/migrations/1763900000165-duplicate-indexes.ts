import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Duplicate candidates by index range scans: reports with a point by category
 * and latitude band (then longitude), reports without one by category and time.
 * Measured: without them a filing scanned every open case of its category in the window.
 */
export class DuplicateIndexes1763900000165 implements MigrationInterface {
  name = 'DuplicateIndexes1763900000165';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX cases_duplicate_near ON cases (category, lat, lon) WHERE duplicate_of IS NULL AND lat IS NOT NULL`);
    await q.query(`CREATE INDEX cases_duplicate_unplaced ON cases (category, received_at DESC) WHERE duplicate_of IS NULL AND lat IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX cases_duplicate_unplaced`);
    await q.query(`DROP INDEX cases_duplicate_near`);
  }
}
