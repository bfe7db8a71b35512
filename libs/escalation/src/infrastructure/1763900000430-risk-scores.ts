import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Early-warning scores kept with each case (docs/escalation.md, early warning): the risk board is
 * read in pages by score from an index, so one call costs what its page costs, not what every open
 * case costs. A background pass scores open cases again every `RISK_SCORE_INTERVAL_MS`, and a
 * case whose unit or limit changed (`scored_at` NULL) within about a second. `risk_scoring` holds
 * when the next full pass is due, so one replica runs it.
 */
export class RiskScores1763900000430 implements MigrationInterface {
  name = 'RiskScores1763900000430';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE case_risk
        ADD COLUMN due_at        timestamptz,
        ADD COLUMN score         double precision,
        ADD COLUMN flagged       boolean,
        ADD COLUMN stage         double precision,
        ADD COLUMN threshold     double precision,
        ADD COLUMN elapsed_share double precision,
        ADD COLUMN reasons       jsonb,
        ADD COLUMN scored_at     timestamptz`);
    // The board: highest risk first, the case id breaking ties (the cursor is both).
    await q.query(`CREATE INDEX case_risk_board ON case_risk (score DESC, case_id DESC) WHERE closed_at IS NULL AND score IS NOT NULL`);
    await q.query(`CREATE INDEX case_risk_unit_board ON case_risk (unit_id, score DESC, case_id DESC) WHERE closed_at IS NULL AND score IS NOT NULL`);
    // Open cases not scored since they changed.
    await q.query(`CREATE INDEX case_risk_unscored ON case_risk (case_id) WHERE closed_at IS NULL AND scored_at IS NULL`);
    // A case's clocks, latest first: the board's limit, a case's clock list and rework read them by case
    // (without it each read scanned every clock — most of the 1.2–7 s the board used to cost).
    await q.query(`CREATE INDEX sla_clocks_case ON sla_clocks (case_id, started_at DESC)`);
    await q.query(`CREATE TABLE risk_scoring (id smallint PRIMARY KEY CHECK (id = 1), next_at timestamptz NOT NULL, by text)`);
    await q.query(`INSERT INTO risk_scoring (id, next_at) VALUES (1, '-infinity')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE risk_scoring');
    await q.query('DROP INDEX sla_clocks_case');
    await q.query('DROP INDEX case_risk_unscored');
    await q.query('DROP INDEX case_risk_unit_board');
    await q.query('DROP INDEX case_risk_board');
    await q.query(`ALTER TABLE case_risk DROP COLUMN due_at, DROP COLUMN score, DROP COLUMN flagged, DROP COLUMN stage, DROP COLUMN threshold,
                   DROP COLUMN elapsed_share, DROP COLUMN reasons, DROP COLUMN scored_at`);
  }
}
