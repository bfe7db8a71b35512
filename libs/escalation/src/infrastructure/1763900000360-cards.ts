import { MigrationInterface, QueryRunner } from 'typeorm';

/** Cards for units (黄牌 / 红牌) and the rectifications (整改) two consecutive yellow cards start. */
export class Cards1763900000360 implements MigrationInterface {
  name = 'Cards1763900000360';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE unit_cards (
        id        uuid PRIMARY KEY,
        unit_id   text NOT NULL,
        case_id   uuid NOT NULL,
        clock_id  uuid REFERENCES sla_clocks (id),
        kind      text NOT NULL CHECK (kind IN ('yellow', 'red')),
        reason    text NOT NULL,
        issued_at timestamptz NOT NULL,
        seq       bigserial
      )`);
    await q.query(`CREATE INDEX unit_cards_unit ON unit_cards (unit_id, seq DESC)`);
    await q.query(`
      CREATE TABLE unit_rectifications (
        id         uuid PRIMARY KEY,
        unit_id    text NOT NULL,
        started_at timestamptz NOT NULL,
        reason     text NOT NULL,
        card_ids   uuid[] NOT NULL,
        status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed'))
      )`);
    // One open rectification per unit at a time.
    await q.query(`CREATE UNIQUE INDEX unit_rectifications_open ON unit_rectifications (unit_id) WHERE status = 'open'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE unit_rectifications`);
    await q.query(`DROP TABLE unit_cards`);
  }
}
