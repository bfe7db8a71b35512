import { MigrationInterface, QueryRunner } from 'typeorm';

const UNITS: [string, string, string, string | null][] = [
  ['city', '市人民政府', 'City Government', null],
  ['supervision-office', '督查室', 'Supervision Office', 'city'],
  ['housing', '住房和城乡建设局', 'Housing and Urban-Rural Development Bureau', 'city'],
  ['water', '水务局', 'Water Bureau', 'city'],
  ['transport', '交通运输局', 'Transport Bureau', 'city'],
  ['environment', '生态环境局', 'Ecology and Environment Bureau', 'city'],
  ['urban-management', '城市管理局', 'Urban Management Bureau', 'city'],
  ['public-works', '市政工程局', 'Public Works Bureau', 'city'],
  ['parks', '园林绿化局', 'Parks and Greening Bureau', 'city'],
  ['inspection', '检查服务局', 'Inspection Services Bureau', 'city'],
];

/** Matches the demo users of deploy/keycloak/duban-realm.json. */
const POSTS: [string, string, 'A' | 'B'][] = [
  ['housing', 'handler-housing-a', 'A'],
  ['housing', 'handler-housing-b', 'B'],
  ['water', 'handler-water-a', 'A'],
];

const RULES: [string, string][] = [
  ['water.leak', 'water'],
  ['water.no-supply', 'water'],
  ['housing.repair', 'housing'],
  ['housing.property-dispute', 'housing'],
  ['transport.signal-fault', 'transport'],
  ['transport.road-damage', 'transport'],
  ['environment.noise', 'environment'],
  ['environment.pollution', 'environment'],
  ['urban.illegal-construction', 'urban-management'],
  ['urban.street-cleaning', 'urban-management'],
  ['parks.tree-hazard', 'parks'],
  ['public-works.streetlight', 'public-works'],
];

export class DispatchSchema1763900000200 implements MigrationInterface {
  name = 'DispatchSchema1763900000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE units (
        id        text PRIMARY KEY,
        name_zh   text NOT NULL,
        name_en   text NOT NULL,
        parent_id text REFERENCES units (id)
      )`);
    await q.query(`
      CREATE TABLE unit_posts (
        unit_id  text NOT NULL REFERENCES units (id),
        username text NOT NULL,
        post     text NOT NULL CHECK (post IN ('A', 'B')),
        absent   boolean NOT NULL DEFAULT false,
        PRIMARY KEY (unit_id, username)
      )`);
    await q.query(`
      CREATE TABLE routing_rules (
        id       text NOT NULL,
        version  integer NOT NULL,
        category text NOT NULL,
        unit_id  text NOT NULL REFERENCES units (id),
        active   boolean NOT NULL DEFAULT true,
        PRIMARY KEY (id, version)
      )`);
    await q.query(`CREATE UNIQUE INDEX routing_rules_active ON routing_rules (category) WHERE active`);
    await q.query(`
      CREATE TABLE assignments (
        id           uuid PRIMARY KEY,
        case_id      uuid NOT NULL,
        unit_id      text NOT NULL REFERENCES units (id),
        assignee     text,
        rule_id      text NOT NULL,
        rule_version integer NOT NULL,
        reason       text NOT NULL,
        category     text NOT NULL,
        tier         text NOT NULL,
        assigned_at  timestamptz NOT NULL DEFAULT now(),
        active       boolean NOT NULL DEFAULT true
      )`);
    // Exactly one responsible unit per case at any time.
    await q.query(`CREATE UNIQUE INDEX assignments_one_active ON assignments (case_id) WHERE active`);
    for (const u of UNITS) await q.query('INSERT INTO units (id, name_zh, name_en, parent_id) VALUES ($1, $2, $3, $4)', u);
    for (const p of POSTS) await q.query('INSERT INTO unit_posts (unit_id, username, post) VALUES ($1, $2, $3)', p);
    for (const [category, unit] of RULES) {
      await q.query('INSERT INTO routing_rules (id, version, category, unit_id) VALUES ($1, 1, $1, $2)', [category, unit]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['assignments', 'routing_rules', 'unit_posts', 'units']) await q.query(`DROP TABLE ${t}`);
  }
}
