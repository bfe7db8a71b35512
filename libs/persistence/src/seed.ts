import type { DataSource, EntityManager } from 'typeorm';

export interface SeedData {
  /** Names the data set, e.g. `categories`. */
  name: string;
  /** Raised whenever the shipped data changes; an older or equal version is not applied again. */
  version: number;
  /**
   * Writes the data. Rows an administrator changed (origin = 'admin') must be
   * left as they are: upserts touch only rows whose origin is still 'seed'.
   */
  apply(tx: EntityManager): Promise<void>;
}

/**
 * Loads versioned seed data on start: on the first start, and again when a
 * release ships a higher version — never over what an administrator changed.
 * Replicas starting together apply it once (transaction-scoped advisory lock).
 */
export async function applySeed(dataSource: DataSource, seed: SeedData): Promise<'applied' | 'current'> {
  return dataSource.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('duban.seed'))`);
    await tx.query(`
      CREATE TABLE IF NOT EXISTS seed_versions (
        name       text PRIMARY KEY,
        version    integer NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const [row] = await tx.query('SELECT version FROM seed_versions WHERE name = $1', [seed.name]);
    if (row && row.version >= seed.version) return 'current';
    await seed.apply(tx);
    await tx.query(
      `INSERT INTO seed_versions (name, version) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, applied_at = now()`,
      [seed.name, seed.version],
    );
    return 'applied';
  });
}
