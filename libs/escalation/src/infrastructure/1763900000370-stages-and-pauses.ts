import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The later stages (result, complete, solution, a cooperating unit's reply) and pauses while a
 * case waits on the reporter: a clock keeps its basis and length, what it belongs to (ref), and
 * while paused, the time each unfired light timer still had (held) instead of a due time.
 * Rectifications are closed by a supervisor with a summary.
 */
export class StagesAndPauses1763900000370 implements MigrationInterface {
  name = 'StagesAndPauses1763900000370';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sla_clocks
      ADD COLUMN basis text NOT NULL DEFAULT 'working' CHECK (basis IN ('working', 'elapsed')),
      ADD COLUMN ref uuid,
      ADD COLUMN paused_at timestamptz,
      ADD COLUMN paused_ms bigint NOT NULL DEFAULT 0,
      ADD COLUMN held_due numeric`);
    // Several cooperating units each have a reply clock on one case: one running clock per stage and unit.
    await q.query(`DROP INDEX sla_clocks_one_running`);
    await q.query(`CREATE UNIQUE INDEX sla_clocks_one_running ON sla_clocks (case_id, stage, unit_id) WHERE state = 'running'`);
    await q.query(`CREATE INDEX sla_clocks_ref ON sla_clocks (ref) WHERE ref IS NOT NULL`);
    // A paused timer has no due time; it keeps the working (or elapsed) minutes it still had.
    await q.query(`ALTER TABLE clock_timers ALTER COLUMN fire_at DROP NOT NULL, ADD COLUMN held numeric`);
    await q.query(`ALTER TABLE unit_rectifications ADD COLUMN closed_at timestamptz, ADD COLUMN closed_by text, ADD COLUMN summary text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE unit_rectifications DROP COLUMN closed_at, DROP COLUMN closed_by, DROP COLUMN summary`);
    await q.query(`ALTER TABLE clock_timers DROP COLUMN held`);
    await q.query(`DROP INDEX sla_clocks_ref`);
    await q.query(`DROP INDEX sla_clocks_one_running`);
    await q.query(`CREATE UNIQUE INDEX sla_clocks_one_running ON sla_clocks (case_id, stage) WHERE state = 'running'`);
    await q.query(`ALTER TABLE sla_clocks DROP COLUMN basis, DROP COLUMN ref, DROP COLUMN paused_at, DROP COLUMN paused_ms, DROP COLUMN held_due`);
  }
}
