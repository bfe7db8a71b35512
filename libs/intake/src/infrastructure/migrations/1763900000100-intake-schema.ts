import { MigrationInterface, QueryRunner } from 'typeorm';
import { STARTER_CATEGORIES } from '../../domain/category';

export class IntakeSchema1763900000100 implements MigrationInterface {
  name = 'IntakeSchema1763900000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE categories (
        code    text PRIMARY KEY,
        name_zh text NOT NULL,
        name_en text NOT NULL,
        tier    text NOT NULL CHECK (tier IN ('immediate', 'general', 'complex'))
      )`);
    await q.query(`
      CREATE TABLE cases (
        id                uuid PRIMARY KEY,
        title             text NOT NULL,
        description       text NOT NULL,
        category          text NOT NULL REFERENCES categories (code),
        tier              text NOT NULL,
        channel           text NOT NULL,
        reporter_subject  text NOT NULL,
        reporter_username text,
        location          jsonb,
        received_at       timestamptz NOT NULL,
        trace_id          text
      )`);
    await q.query(`CREATE INDEX cases_reporter ON cases (reporter_subject, received_at DESC)`);
    await q.query(`
      CREATE TABLE case_views (
        case_id    uuid PRIMARY KEY REFERENCES cases (id),
        status     text NOT NULL,
        unit_id    text,
        unit_name  text,
        assignee   text,
        deadline   timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX case_views_unit ON case_views (unit_id, status)`);
    await q.query(`
      CREATE TABLE case_timeline (
        event_id    uuid PRIMARY KEY,
        case_id     uuid NOT NULL REFERENCES cases (id),
        type        text NOT NULL,
        source      text NOT NULL,
        occurred_at timestamptz NOT NULL,
        unit_id     text,
        summary     text NOT NULL
      )`);
    await q.query(`CREATE INDEX case_timeline_case ON case_timeline (case_id, occurred_at)`);
    for (const c of STARTER_CATEGORIES) {
      await q.query('INSERT INTO categories (code, name_zh, name_en, tier) VALUES ($1, $2, $3, $4)', [
        c.code,
        c.nameZh,
        c.nameEn,
        c.tier,
      ]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE case_timeline');
    await q.query('DROP TABLE case_views');
    await q.query('DROP TABLE cases');
    await q.query('DROP TABLE categories');
  }
}
