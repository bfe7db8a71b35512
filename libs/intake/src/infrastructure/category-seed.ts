import { SeedData } from '@duban/persistence';
import taxonomy from '../seed/categories.json';

interface Subclass {
  code: string;
  nameZh: string;
  nameEn: string;
  tier: string;
  defaultUnit: string;
  keywords?: { zh?: string[]; en?: string[] };
  /** GeoReport v2 service attributes (`attribute[code]` on POST requests), as the spec writes them. */
  open311Attributes?: unknown[];
}
interface Taxonomy {
  version: number;
  classes: { code: string; nameZh: string; nameEn: string; subclasses: Subclass[] }[];
}

const data = taxonomy as Taxonomy;

/** The shipped category taxonomy (src/seed/categories.json, docs/demo-city.md). */
export const categorySeed: SeedData = {
  name: 'categories',
  version: data.version,
  async apply(tx) {
    for (const c of data.classes) {
      for (const s of c.subclasses) {
        await tx.query(
          `INSERT INTO categories (code, name_zh, name_en, tier, class_code, class_name_zh, class_name_en, default_unit, keywords, open311_attributes)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb)
           ON CONFLICT (code) DO UPDATE SET
             name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, tier = EXCLUDED.tier,
             class_code = EXCLUDED.class_code, class_name_zh = EXCLUDED.class_name_zh, class_name_en = EXCLUDED.class_name_en,
             default_unit = EXCLUDED.default_unit, keywords = EXCLUDED.keywords, open311_attributes = EXCLUDED.open311_attributes
           WHERE categories.origin = 'seed'`,
          [s.code, s.nameZh, s.nameEn, s.tier, c.code, c.nameZh, c.nameEn, s.defaultUnit, JSON.stringify(s.keywords ?? {}), JSON.stringify(s.open311Attributes ?? [])],
        );
      }
    }
  },
};
