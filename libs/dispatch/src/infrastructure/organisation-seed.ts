import { SeedData } from '@duban/persistence';
import organisation from '../seed/demo-city.json';
import { ruleId } from '../domain/routing';

interface DemoCity {
  version: number;
  units: { id: string; nameZh: string; nameEn: string; parentId: string | null; kind: string }[];
  people: { username: string; unitId: string | null; post: 'A' | 'B' | 'head' | null }[];
  jurisdictionSchemes: { scheme: string; specificity: number; nameZh: string; nameEn: string }[];
  districts: { id: string; scheme: string; nameZh: string; nameEn: string; parentId: string | null; area: unknown }[];
  routingRules: { category: string; districtId: string | null; unitId: string }[];
}

const data = organisation as DemoCity;

/** Parents before children, so the foreign key to the parent always holds. */
function treeOrder(units: DemoCity['units']): DemoCity['units'] {
  const placed = new Set<string>();
  const ordered: DemoCity['units'] = [];
  let remaining = [...units];
  while (remaining.length > 0) {
    const ready = remaining.filter((u) => u.parentId === null || placed.has(u.parentId));
    if (ready.length === 0) throw new Error(`units with unknown parents: ${remaining.map((u) => u.id).join(', ')}`);
    ready.forEach((u) => placed.add(u.id));
    ordered.push(...ready);
    remaining = remaining.filter((u) => !placed.has(u.id));
  }
  return ordered;
}

/**
 * The demo city (src/seed/demo-city.json): unit tree, A/B posts and heads, districts with their
 * areas, a city-wide routing rule per category and subdistrict rules for local (属地) matters.
 */
export const organisationSeed: SeedData = {
  name: 'demo-city',
  version: data.version,
  async apply(tx) {
    for (const u of treeOrder(data.units)) {
      await tx.query(
        `INSERT INTO units (id, name_zh, name_en, parent_id, kind) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
           parent_id = EXCLUDED.parent_id, kind = EXCLUDED.kind
         WHERE units.origin = 'seed'`,
        [u.id, u.nameZh, u.nameEn, u.parentId, u.kind],
      );
    }
    for (const p of data.people) {
      if (!p.unitId || !p.post) continue;
      await tx.query(
        `INSERT INTO unit_posts (unit_id, username, post) VALUES ($1, $2, $3)
         ON CONFLICT (unit_id, username) DO UPDATE SET post = EXCLUDED.post WHERE unit_posts.origin = 'seed'`,
        [p.unitId, p.username, p.post],
      );
    }
    for (const scheme of data.jurisdictionSchemes) {
      await tx.query(
        `INSERT INTO jurisdiction_schemes (scheme, specificity, name_zh, name_en) VALUES ($1, $2, $3, $4)
         ON CONFLICT (scheme) DO UPDATE SET specificity = EXCLUDED.specificity, name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en
         WHERE jurisdiction_schemes.origin = 'seed'`,
        [scheme.scheme, scheme.specificity, scheme.nameZh, scheme.nameEn],
      );
    }
    for (const d of data.districts) {
      await tx.query(
        `INSERT INTO districts (id, scheme, name_zh, name_en, parent_id, area) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
         ON CONFLICT (id) DO UPDATE SET scheme = EXCLUDED.scheme, name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
           parent_id = EXCLUDED.parent_id, area = EXCLUDED.area, updated_at = now()
         WHERE districts.origin = 'seed'`,
        [d.id, d.scheme, d.nameZh, d.nameEn, d.parentId, JSON.stringify(d.area)],
      );
    }
    for (const r of data.routingRules) {
      const id = ruleId(r.category, r.districtId);
      const [current] = await tx.query(`SELECT version, unit_id, origin FROM routing_rules WHERE id = $1 ORDER BY version DESC LIMIT 1`, [id]);
      // An administrator's rule (or retirement) stays; an unchanged one needs nothing.
      if (current && (current.origin === 'admin' || current.unit_id === r.unitId)) continue;
      // A changed rule is a new version; the old one stays for the record of past decisions.
      const version = current ? current.version + 1 : 1;
      await tx.query(`UPDATE routing_rules SET active = false WHERE id = $1 AND active`, [id]);
      await tx.query(
        `INSERT INTO routing_rules (id, version, category, district_id, unit_id) VALUES ($1, $2, $3, $4, $5)`,
        [id, version, r.category, r.districtId, r.unitId],
      );
    }
  },
};
