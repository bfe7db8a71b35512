import type { Confidentiality } from '@duban/auth';
import { Area, contains } from '@duban/geo';

export interface Unit {
  id: string;
  nameZh: string;
  nameEn: string;
  parentId: string | null;
  /** government, office, bureau, district or subdistrict. */
  kind?: string;
}

/**
 * A jurisdiction: a district, subdistrict, ward, … with a code (its id), the
 * scheme it belongs to, its parent, and optionally its area for cases that
 * only carry coordinates.
 */
export interface District {
  id: string;
  scheme: string;
  parentId: string | null;
  area?: Area | null;
}

/** Category × jurisdiction → unit. A null district is city-wide; a category may be a class (`water`) or a sub-class. */
export interface RoutingRule {
  id: string;
  version: number;
  category: string;
  districtId: string | null;
  unitId: string;
}

/** A/B posts (AB岗): A handles, B stands in when A is absent; the head leads the unit. */
export interface Post {
  unitId: string;
  username: string;
  post: 'A' | 'B' | 'head';
  /** public / internal / secret: a case above it is never given to this person. */
  clearance?: Confidentiality;
}

/** What dispatch knows about people when it chooses one. */
export interface StaffState {
  /** People absent now (absence calendar or marked absent). */
  absent: ReadonlySet<string>;
  /** Cases each person is responsible for right now. */
  load: ReadonlyMap<string, number>;
  /** Each person's typical handling time for the case's category, in minutes (completed cases). */
  typicalMinutes: ReadonlyMap<string, number>;
}

export type Via = 'rule' | 'reroute' | 'coordinator' | 'designation' | 'reassignment';

export interface Decision {
  unit: Unit;
  assignee: string | null;
  rule: { id: string; version: number };
  reason: string;
  via: Via;
}

/** The supervision office (督查室) is the coordinator queue for what no rule covers. */
export const COORDINATOR_UNIT = 'supervision-office';
export const COORDINATOR_RULE = { id: 'coordinator-fallback', version: 1 };

/** A rule's stable id: the category, and `@district` for a jurisdiction's rule. */
export function ruleId(category: string, districtId: string | null | undefined): string {
  return districtId ? `${category}@${districtId}` : category;
}

/** The classes a category belongs to, most specific first: `a.b.c` → `a.b.c`, `a.b`, `a`. */
export function categoryLineage(category: string): string[] {
  const parts = category.split('.');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('.'));
}

/**
 * The jurisdictions a place lies in, most specific first: the district it
 * names, the districts whose area contains its point, and their ancestors.
 * Specificity is the scheme's rank (higher is more specific), then depth.
 */
export function resolvePlace(
  location: { district?: string; point?: { lat: number; lon: number } } | undefined,
  districts: ReadonlyMap<string, District>,
  schemeRank: ReadonlyMap<string, number>,
): string[] {
  if (!location) return [];
  const found = new Set<string>();
  const add = (id: string | null | undefined): void => {
    for (let d = id ? districts.get(id) : undefined; d && !found.has(d.id); d = d.parentId ? districts.get(d.parentId) : undefined) {
      found.add(d.id);
    }
  };
  if (location.district) add(location.district);
  if (location.point) {
    for (const d of districts.values()) if (d.area && contains(d.area, location.point)) add(d.id);
  }
  const depth = (id: string): number => {
    let n = 0;
    for (let d = districts.get(id); d?.parentId; d = districts.get(d.parentId)) n += 1;
    return n;
  };
  return [...found].sort((a, b) => {
    const ra = schemeRank.get(districts.get(a)!.scheme) ?? 0;
    const rb = schemeRank.get(districts.get(b)!.scheme) ?? 0;
    return rb - ra || depth(b) - depth(a) || a.localeCompare(b);
  });
}

/**
 * The routing rules indexed for matching. The most specific rule wins: the
 * case's own sub-class before its class, and within one category the most
 * specific jurisdiction before a wider one before city-wide. Units a case was
 * returned by are skipped.
 */
export class RuleBook {
  private readonly index = new Map<string, Map<string, RoutingRule>>();

  constructor(rules: Iterable<RoutingRule>) {
    for (const r of rules) {
      const byPlace = this.index.get(r.category) ?? new Map<string, RoutingRule>();
      byPlace.set(r.districtId ?? '', r);
      this.index.set(r.category, byPlace);
    }
  }

  match(category: string, places: readonly string[], accept: (unitId: string) => boolean = () => true): RoutingRule | undefined {
    for (const cat of categoryLineage(category)) {
      const byPlace = this.index.get(cat);
      if (!byPlace) continue;
      for (const place of [...places, '']) {
        const rule = byPlace.get(place);
        if (rule && accept(rule.unitId)) return rule;
      }
    }
    return undefined;
  }
}

/**
 * Chooses the person within a unit: the A posts present, or when every A is
 * absent the B posts present; among them the one expected to finish soonest —
 * (current load + 1) × their typical handling time for this category (people
 * without history count as the average of those with it) — then the lower
 * load, then A before B, then by name. Nobody present: the unit's queue.
 */
export function choosePerson(unitId: string, posts: readonly Post[], staff: StaffState): { person: Post | null; why: string } {
  const present = posts.filter((p) => p.unitId === unitId && !staff.absent.has(p.username));
  const aPosts = present.filter((p) => p.post === 'A');
  const candidates = aPosts.length > 0 ? aPosts : present.filter((p) => p.post === 'B');
  if (candidates.length === 0) {
    const absentA = posts.some((p) => p.unitId === unitId && p.post === 'A');
    return { person: null, why: absentA ? 'A and B posts absent, unit queue' : 'no one on post, unit queue' };
  }
  const known = candidates.map((c) => staff.typicalMinutes.get(c.username)).filter((m): m is number => m !== undefined);
  const average = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  const scored = candidates.map((p) => {
    const load = staff.load.get(p.username) ?? 0;
    const typical = staff.typicalMinutes.get(p.username) ?? average;
    return { p, load, typical, score: (load + 1) * typical };
  });
  scored.sort((a, b) => a.score - b.score || a.load - b.load || a.p.post.localeCompare(b.p.post) || a.p.username.localeCompare(b.p.username));
  const best = scored[0];
  const standIn = best.p.post === 'B' ? ' (A absent)' : '';
  const history = staff.typicalMinutes.has(best.p.username) ? `, typically ${(best.typical / 60).toFixed(1)} h for this category` : '';
  const among = candidates.length > 1 ? ` of ${candidates.length}` : '';
  return { person: best.p, why: `${best.p.post} post ${best.p.username}${standIn}${among}: ${best.load} open${history}` };
}

export interface RoutingInput {
  category: string;
  places: readonly string[];
  rules: RuleBook;
  units: ReadonlyMap<string, Unit>;
  posts: readonly Post[];
  staff: StaffState;
  /** Units that returned the case: never chosen again by a rule. */
  exclude?: ReadonlySet<string>;
}

/**
 * Chooses exactly one responsible unit and person for a case: the most
 * specific routing rule, else the coordinator queue (supervision office).
 */
export function decide(input: RoutingInput): Decision {
  const exclude = input.exclude ?? new Set<string>();
  // A rule naming a unit since removed from the directory cannot decide either.
  const rule = input.rules.match(input.category, input.places, (unitId) => !exclude.has(unitId) && input.units.has(unitId));
  if (rule) {
    const unit = input.units.get(rule.unitId)!;
    const { person, why } = choosePerson(unit.id, input.posts, input.staff);
    const where = rule.districtId ? ` in ${rule.districtId}` : ' city-wide';
    const after = exclude.size > 0 ? `re-routed without ${[...exclude].join(', ')}; ` : '';
    return {
      unit,
      assignee: person?.username ?? null,
      rule: { id: rule.id, version: rule.version },
      reason: `${after}rule ${rule.id} v${rule.version}: ${rule.category}${where} → ${unit.nameEn} — ${why}`,
      via: exclude.size > 0 ? 'reroute' : 'rule',
    };
  }
  const reason = exclude.size > 0 ? `no other unit's rule covers ${input.category} after the return` : `no routing rule for ${input.category}`;
  return toCoordinator(input, reason);
}

/** The coordinator queue: the supervision office designates the lead unit. */
export function toCoordinator(input: Pick<RoutingInput, 'units' | 'posts' | 'staff'>, reason: string): Decision {
  const unit = input.units.get(COORDINATOR_UNIT);
  if (!unit) throw new Error(`coordinator unit "${COORDINATOR_UNIT}" is missing from the unit directory`);
  const { person, why } = choosePerson(unit.id, input.posts, input.staff);
  return {
    unit,
    assignee: person?.username ?? null,
    rule: COORDINATOR_RULE,
    reason: `${reason}: coordinator queue, lead unit to be designated — ${why}`,
    via: 'coordinator',
  };
}
