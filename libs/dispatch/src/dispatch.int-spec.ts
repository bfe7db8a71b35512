import { applySeed, createDataSource, migrate } from '@duban/persistence';
import { freshDatabase } from '@duban/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { dispatchService } from './index';
import { RuleBook, resolvePlace } from './domain/routing';
import { DispatchRepository } from './infrastructure/dispatch.repository';
import { organisationSeed } from './infrastructure/organisation-seed';

jest.setTimeout(60_000);

describe('dispatch on real PostgreSQL: jurisdictions, rules as versioned data, people', () => {
  let ds: DataSource;
  let drop: () => Promise<void>;
  let repo: DispatchRepository;

  beforeAll(async () => {
    const db = await freshDatabase('dispatch');
    drop = db.drop;
    ds = createDataSource({ url: db.url, applicationName: 'dispatch-spec', migrations: dispatchService.migrations });
    await ds.initialize();
    await migrate(ds);
    expect(await applySeed(ds, organisationSeed)).toBe('applied');
    repo = new DispatchRepository(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await drop?.();
  });

  it('loads the demo city: districts with areas, a city-wide rule per category and local (属地) rules', async () => {
    const districts = await repo.districts();
    expect(districts.size).toBe(12);
    expect([...districts.values()].every((d) => d.area?.type === 'Polygon')).toBe(true);
    const rules = await repo.listRules({});
    expect(rules.filter((r) => r.districtId === null)).toHaveLength(144);
    expect(rules.filter((r) => r.category === 'urban.street-cleaning').map((r) => r.unitId)).toContain('hudong-wanghu');
  });

  it('routes a point to its subdistrict rule, and a case without a place city-wide', async () => {
    const ranks = await repo.schemeRanks();
    const districts = await repo.districts();
    const wanghu = districts.get('hudong-wanghu')!.area!;
    const [[x0, y0], , [x1, y1]] = wanghu.type === 'Polygon' ? wanghu.coordinates[0] : wanghu.coordinates[0][0];
    const places = resolvePlace({ point: { lon: (x0 + x1) / 2, lat: (y0 + y1) / 2 } }, districts, ranks);
    expect(places).toEqual(['hudong-wanghu', 'hudong']);
    const book = new RuleBook(await repo.rulesFor(ds, 'urban.street-cleaning'));
    expect(book.match('urban.street-cleaning', places)?.unitId).toBe('hudong-wanghu');
    expect(book.match('urban.street-cleaning', [])?.unitId).toBe('urban-management');
  });

  it("keeps an administrator's rule, every version and an administrator's unit names when a newer seed is applied", async () => {
    await ds.transaction(async (tx) => {
      await repo.insertRuleVersion(tx, { id: 'water.leak', version: 2, category: 'water.leak', districtId: null, unitId: 'public-works', note: 'test', by: 'admin1' });
    });
    // As PATCH /api/v1/units/{id} does (UnitsController): the unit is the administrator's from now on.
    await ds.query(`UPDATE units SET name_en = 'Water Authority', origin = 'admin' WHERE id = 'water'`);
    const seededParks = (await repo.units(ds)).get('parks')!;
    await ds.query(`UPDATE units SET name_en = 'Changed behind the seed' WHERE id = 'parks'`);
    // As if the next release shipped the demo city again.
    await ds.query(`DELETE FROM seed_versions WHERE name = 'demo-city'`);
    expect(await applySeed(ds, organisationSeed)).toBe('applied');
    const versions = await repo.ruleVersions(ds, 'water.leak');
    expect(versions.map((v) => [v.version, v.unitId, v.active, v.origin])).toEqual([
      [1, 'water', false, 'seed'],
      [2, 'public-works', true, 'admin'],
    ]);
    const units = await repo.units(ds);
    expect([units.get('water')!.nameEn, units.get('parks')!.nameEn]).toEqual(['Water Authority', seededParks.nameEn]);
    // The unique index allows one active rule per category × jurisdiction.
    await expect(
      ds.query(`INSERT INTO routing_rules (id, version, category, unit_id) VALUES ('dup', 1, 'water.leak', 'water')`),
    ).rejects.toThrow(/routing_rules_active/);
  });

  it('knows who is absent now, how loaded people are and how fast they finish a category', async () => {
    const now = Date.now();
    await ds.query(`INSERT INTO absences (id, username, starts_at, ends_at, created_by) VALUES ($1, 'handler-water-a', $2, $3, 'head-water')`, [
      randomUUID(),
      new Date(now - 3_600_000),
      new Date(now + 3_600_000),
    ]);
    await ds.query(`INSERT INTO absences (id, username, starts_at, ends_at, created_by) VALUES ($1, 'handler-water-b', $2, $3, 'head-water')`, [
      randomUUID(),
      new Date(now + 86_400_000),
      new Date(now + 2 * 86_400_000),
    ]);
    const insert = (assignee: string, category: string, minutes: number | null) =>
      ds.query(
        `INSERT INTO assignments (id, case_id, unit_id, assignee, rule_id, rule_version, reason, category, tier, assigned_at, active, ended_at, end_reason)
         VALUES ($1, $2, 'water', $3, 'water.leak', 1, 'test', $4, 'general', now() - make_interval(mins => $5), $6, $7, $8)`,
        [
          randomUUID(),
          randomUUID(),
          assignee,
          category,
          minutes ?? 10,
          minutes === null,
          minutes === null ? null : new Date(),
          minutes === null ? null : 'completed',
        ],
      );
    await insert('handler-water-b', 'water.leak', null);
    await insert('handler-water-b', 'water.leak', null);
    await insert('handler-water-b', 'water.leak', 60);
    await insert('handler-water-b', 'water.leak', 180);
    await insert('handler-water-b', 'water.no-supply', 600);
    const staff = await repo.staffState(ds, ['handler-water-a', 'handler-water-b'], 'water.leak');
    expect([...staff.absent]).toEqual(['handler-water-a']);
    expect(staff.load.get('handler-water-b')).toBe(2);
    expect(staff.typicalMinutes.get('handler-water-b')).toBeCloseTo(120, 0);
    expect(staff.typicalMinutes.has('handler-water-a')).toBe(false);
  });
});
