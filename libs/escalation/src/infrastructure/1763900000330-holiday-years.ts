import { MigrationInterface, QueryRunner } from 'typeorm';

/** Holiday years an administrator loaded (a new year's schedule, or a correction), on top of the shipped ones. */
export class HolidayYears1763900000330 implements MigrationInterface {
  name = 'HolidayYears1763900000330';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE holiday_years (
        year      integer PRIMARY KEY,
        file      jsonb NOT NULL,
        loaded_by text NOT NULL,
        loaded_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE holiday_years`);
  }
}
