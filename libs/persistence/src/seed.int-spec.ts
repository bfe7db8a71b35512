import { freshDatabase } from '@duban/testing';
import { createDataSource } from './data-source';
import { applySeed, SeedData } from './seed';

jest.setTimeout(30_000);

describe('applySeed against real PostgreSQL', () => {
  it('loads on first start, skips a loaded version, and never overwrites an administrator', async () => {
    const db = await freshDatabase('seed');
    const ds = createDataSource({ url: db.url, applicationName: 'seed-spec', migrations: [] });
    await ds.initialize();
    try {
      await ds.query(`CREATE TABLE things (code text PRIMARY KEY, name text NOT NULL, origin text NOT NULL DEFAULT 'seed')`);
      const seed = (version: number, names: Record<string, string>): SeedData => ({
        name: 'things',
        version,
        apply: async (tx) => {
          for (const [code, name] of Object.entries(names)) {
            await tx.query(
              `INSERT INTO things (code, name) VALUES ($1, $2)
               ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name WHERE things.origin = 'seed'`,
              [code, name],
            );
          }
        },
      });
      expect(await applySeed(ds, seed(1, { a: 'A v1', b: 'B v1' }))).toBe('applied');
      expect(await applySeed(ds, seed(1, { a: 'changed without a new version' }))).toBe('current');

      // An administrator renames b; release 2 renames both and adds c.
      await ds.query(`UPDATE things SET name = 'B by admin', origin = 'admin' WHERE code = 'b'`);
      expect(await applySeed(ds, seed(2, { a: 'A v2', b: 'B v2', c: 'C v2' }))).toBe('applied');

      const rows = await ds.query('SELECT code, name FROM things ORDER BY code');
      expect(rows).toEqual([
        { code: 'a', name: 'A v2' },
        { code: 'b', name: 'B by admin' },
        { code: 'c', name: 'C v2' },
      ]);
    } finally {
      await ds.destroy();
      await db.drop();
    }
  });
});
