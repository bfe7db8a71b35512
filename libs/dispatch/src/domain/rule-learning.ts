import { RoutingRule } from './routing';

/** One past case: its category, its jurisdiction (or none), the unit that handled it, and when it came in. */
export interface PastCase {
  category: string;
  districtId: string | null;
  unitId: string;
  /** Epoch milliseconds. */
  at: number;
}

export interface LearningOptions {
  /** Cases count less the older they are than this moment (epoch ms): weight 0.5 ^ (age in days / halfLifeDays). */
  reference: number;
  halfLifeDays: number;
  /** A jurisdiction's own rule needs at least this many past cases of the category there. */
  minSupport: number;
  /** … and its unit must lead the city-wide rule's unit there by at least this much weight. */
  minGain: number;
}

/** The defaults chosen on Boston 311 (Jan–May → Jun validation; docs/benchmarks.md). */
export const DEFAULT_LEARNING: Omit<LearningOptions, 'reference'> = { halfLifeDays: 60, minSupport: 2, minGain: 1 };

const DAY = 86_400_000;
const EPSILON = 1e-9;

class Tally {
  readonly weight = new Map<string, number>();
  readonly latest = new Map<string, number>();
  n = 0;

  add(unit: string, w: number, at: number): void {
    this.n += 1;
    this.weight.set(unit, (this.weight.get(unit) ?? 0) + w);
    this.latest.set(unit, Math.max(this.latest.get(unit) ?? -Infinity, at));
  }

  /** The heaviest unit; a tie goes to the unit seen most recently, then to the first name. */
  best(): string {
    let best: string | undefined;
    for (const unit of [...this.weight.keys()].sort()) {
      if (best === undefined) {
        best = unit;
        continue;
      }
      const diff = this.weight.get(unit)! - this.weight.get(best)!;
      if (diff > EPSILON || (Math.abs(diff) <= EPSILON && this.latest.get(unit)! > this.latest.get(best)!)) best = unit;
    }
    return best!;
  }
}

/**
 * Who handled each category in each jurisdiction (cells with at least
 * `minSupport` cases): the leading unit and every unit's recency weight.
 */
export function cellLeaders(history: Iterable<PastCase>, options: LearningOptions): { category: string; districtId: string; unit: string; weight: (unit: string) => number }[] {
  const cells = new Map<string, Tally>();
  for (const c of history) {
    if (c.at >= options.reference || !c.districtId) continue;
    const key = `${c.category}\u0000${c.districtId}`;
    const cell = cells.get(key) ?? new Tally();
    cell.add(c.unitId, 0.5 ** ((options.reference - c.at) / DAY / options.halfLifeDays), c.at);
    cells.set(key, cell);
  }
  return [...cells]
    .filter(([, cell]) => cell.n >= options.minSupport)
    .map(([key, cell]) => {
      const [category, districtId] = key.split('\u0000');
      return { category, districtId, unit: cell.best(), weight: (unit: string) => cell.weight.get(unit) ?? 0 };
    });
}

/**
 * Routing rules learned from history (the Boston routing benchmark): per category, the unit that handled most of its
 * recent cases city-wide; per category × jurisdiction, a rule of its own where a
 * different unit clearly handled them there. Rules equal to the city-wide one are
 * left out, so the rule book stays small and explainable.
 */
export function learnRules(history: Iterable<PastCase>, options: LearningOptions): RoutingRule[] {
  const city = new Map<string, Tally>();
  const cells = new Map<string, Map<string, Tally>>();
  for (const c of history) {
    if (c.at >= options.reference) continue;
    const w = 0.5 ** ((options.reference - c.at) / DAY / options.halfLifeDays);
    const tally = city.get(c.category) ?? new Tally();
    tally.add(c.unitId, w, c.at);
    city.set(c.category, tally);
    if (c.districtId) {
      const byDistrict = cells.get(c.category) ?? new Map<string, Tally>();
      const cell = byDistrict.get(c.districtId) ?? new Tally();
      cell.add(c.unitId, w, c.at);
      byDistrict.set(c.districtId, cell);
      cells.set(c.category, byDistrict);
    }
  }
  const rules: RoutingRule[] = [];
  for (const [category, tally] of city) {
    const cityUnit = tally.best();
    rules.push({ id: category, version: 1, category, districtId: null, unitId: cityUnit });
    for (const [districtId, cell] of cells.get(category) ?? []) {
      if (cell.n < options.minSupport) continue;
      const unit = cell.best();
      if (unit === cityUnit) continue;
      const gain = cell.weight.get(unit)! - (cell.weight.get(cityUnit) ?? 0);
      if (gain >= options.minGain) rules.push({ id: `${category}@${districtId}`, version: 1, category, districtId, unitId: unit });
    }
  }
  return rules;
}
