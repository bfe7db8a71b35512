import { MigrationInterface, QueryRunner } from 'typeorm';

/** Duplicate reports: the point as columns (for a range scan), the link to the original, and the audit of links. */
export class Duplicates1763900000160 implements MigrationInterface {
  name = 'Duplicates1763900000160';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases ADD COLUMN lat double precision, ADD COLUMN lon double precision, ADD COLUMN duplicate_of uuid REFERENCES cases (id)`);
    await q.query(`UPDATE cases SET lat = (location -> 'point' ->> 'lat')::double precision, lon = (location -> 'point' ->> 'lon')::double precision
                    WHERE location -> 'point' IS NOT NULL`);
    // The candidates of a new report: the same category, recent, not themselves duplicates.
    await q.query(`CREATE INDEX cases_duplicate_candidates ON cases (category, received_at DESC) WHERE duplicate_of IS NULL`);
    await q.query(`CREATE INDEX cases_duplicates_of ON cases (duplicate_of) WHERE duplicate_of IS NOT NULL`);
    await q.query(`
      CREATE TABLE case_links (
        id              uuid PRIMARY KEY,
        case_id         uuid NOT NULL REFERENCES cases (id),
        original_id     uuid NOT NULL REFERENCES cases (id),
        reason          text NOT NULL CHECK (reason IN ('place', 'text')),
        distance_meters integer,
        similarity      real,
        linked_at       timestamptz NOT NULL DEFAULT now(),
        unlinked_at     timestamptz,
        unlinked_by     text,
        unlink_reason   text
      )`);
    await q.query(`CREATE INDEX case_links_case ON case_links (case_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE case_links`);
    await q.query(`DROP INDEX cases_duplicates_of`);
    await q.query(`DROP INDEX cases_duplicate_candidates`);
    await q.query(`ALTER TABLE cases DROP COLUMN lat, DROP COLUMN lon, DROP COLUMN duplicate_of`);
  }
}
