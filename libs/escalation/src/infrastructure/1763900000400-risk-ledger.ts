import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the early-warning model reads about each case (docs/escalation.md, early warning): its
 * category, intake channel, responsible unit, when it was taken on and when its result came in.
 * Its limit is read from the case's result-stage clock.
 */
export class RiskLedger1763900000400 implements MigrationInterface {
  name = 'RiskLedger1763900000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_risk (
        case_id    uuid PRIMARY KEY,
        category   text,
        channel    text,
        unit_id    text,
        opened_at  timestamptz,
        closed_at  timestamptz
      )`);
    // The ledger loads open cases and the recent past.
    await q.query(`CREATE INDEX case_risk_open ON case_risk (unit_id) WHERE closed_at IS NULL`);
    await q.query(`CREATE INDEX case_risk_opened ON case_risk (opened_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE case_risk');
  }
}
