import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Jurisdictions (schemes, districts with codes and areas), routing rules per
 * category × jurisdiction with an audit of who changed them, the absence
 * calendar (replacing the old absent flag), what dispatch knows of each case
 * to route it again, and returns.
 */
export class JurisdictionsAndReturns1763900000220 implements MigrationInterface {
  name = 'JurisdictionsAndReturns1763900000220';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jurisdiction_schemes (
        scheme      text PRIMARY KEY,
        specificity integer NOT NULL,
        name_en     text NOT NULL,
        name_zh     text NOT NULL,
        origin      text NOT NULL DEFAULT 'seed'
      )`);
    await q.query(`
      CREATE TABLE districts (
        id         text PRIMARY KEY,
        scheme     text NOT NULL REFERENCES jurisdiction_schemes (scheme),
        name_zh    text NOT NULL,
        name_en    text NOT NULL,
        parent_id  text REFERENCES districts (id),
        area       jsonb,
        origin     text NOT NULL DEFAULT 'seed',
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL DEFAULT 'seed'
      )`);
    await q.query(`DROP INDEX routing_rules_active`);
    await q.query(`
      ALTER TABLE routing_rules
        ADD COLUMN district_id text REFERENCES districts (id),
        ADD COLUMN note        text,
        ADD COLUMN created_at  timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN created_by  text NOT NULL DEFAULT 'seed',
        ADD COLUMN retired_at  timestamptz,
        ADD COLUMN retired_by  text`);
    // One active rule per category × jurisdiction ('' is city-wide).
    await q.query(`CREATE UNIQUE INDEX routing_rules_active ON routing_rules (category, coalesce(district_id, '')) WHERE active`);
    await q.query(`CREATE UNIQUE INDEX routing_rules_active_id ON routing_rules (id) WHERE active`);

    await q.query(`
      CREATE TABLE absences (
        id         uuid PRIMARY KEY,
        username   text NOT NULL,
        starts_at  timestamptz NOT NULL,
        ends_at    timestamptz NOT NULL,
        reason     text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at > starts_at)
      )`);
    await q.query(`CREATE INDEX absences_current ON absences (ends_at, starts_at)`);
    await q.query(`ALTER TABLE unit_posts DROP COLUMN absent`);

    await q.query(`
      CREATE TABLE dispatch_cases (
        case_id     uuid PRIMARY KEY,
        category    text NOT NULL,
        tier        text NOT NULL,
        location    jsonb,
        places      text[] NOT NULL DEFAULT '{}',
        received_at timestamptz NOT NULL
      )`);
    await q.query(`
      ALTER TABLE assignments
        ADD COLUMN via         text NOT NULL DEFAULT 'rule',
        ADD COLUMN assigned_by text,
        ADD COLUMN ended_at    timestamptz,
        ADD COLUMN end_reason  text,
        ADD COLUMN ended_by    text`);
    await q.query(`CREATE INDEX assignments_case ON assignments (case_id, assigned_at)`);
    await q.query(`CREATE INDEX assignments_load ON assignments (assignee) WHERE active`);
    await q.query(`CREATE INDEX assignments_history ON assignments (category, assignee) WHERE end_reason = 'completed'`);
    await q.query(`
      CREATE TABLE case_returns (
        id            uuid PRIMARY KEY,
        case_id       uuid NOT NULL,
        assignment_id uuid NOT NULL REFERENCES assignments (id),
        unit_id       text NOT NULL,
        reason        text NOT NULL,
        returned_by   text NOT NULL,
        returned_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX case_returns_case ON case_returns (case_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE case_returns`);
    await q.query(`DROP INDEX assignments_case`);
    await q.query(`DROP INDEX assignments_load`);
    await q.query(`DROP INDEX assignments_history`);
    await q.query(`ALTER TABLE assignments DROP COLUMN via, DROP COLUMN assigned_by, DROP COLUMN ended_at, DROP COLUMN end_reason, DROP COLUMN ended_by`);
    await q.query(`DROP TABLE dispatch_cases`);
    await q.query(`ALTER TABLE unit_posts ADD COLUMN absent boolean NOT NULL DEFAULT false`);
    await q.query(`DROP TABLE absences`);
    await q.query(`DROP INDEX routing_rules_active_id`);
    await q.query(`DROP INDEX routing_rules_active`);
    await q.query(`DELETE FROM routing_rules WHERE district_id IS NOT NULL`);
    await q.query(`ALTER TABLE routing_rules DROP COLUMN district_id, DROP COLUMN note, DROP COLUMN created_at, DROP COLUMN created_by, DROP COLUMN retired_at, DROP COLUMN retired_by`);
    await q.query(`CREATE UNIQUE INDEX routing_rules_active ON routing_rules (category) WHERE active`);
    await q.query(`DROP TABLE districts`);
    await q.query(`DROP TABLE jurisdiction_schemes`);
  }
}
