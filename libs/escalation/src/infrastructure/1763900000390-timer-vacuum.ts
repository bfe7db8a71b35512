import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fired timers leave dead entries in the partial due-time index until a vacuum; with the default
 * scale factor (20 % of the table) a table of 1,000,000 open timers waits for 200,000 dead rows,
 * and each sweep steps over them (3.45 ms CPU per timer measured, against 0.2 ms after a vacuum;
 * docs/benchmarks.md, timers). Vacuum after a fixed 10,000 changes instead, whatever the size.
 */
export class TimerVacuum1763900000390 implements MigrationInterface {
  name = 'TimerVacuum1763900000390';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clock_timers SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000,
                                                 autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 10000)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clock_timers RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
                                                   autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)`);
  }
}
