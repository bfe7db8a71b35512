export interface Unit {
  id: string;
  nameZh: string;
  nameEn: string;
  parentId: string | null;
}

/** A/B posts (AB岗): A handles, B stands in when A is absent. */
export interface Post {
  unitId: string;
  username: string;
  post: 'A' | 'B' | 'head';
  absent: boolean;
}

export interface RoutingRule {
  id: string;
  version: number;
  category: string;
  unitId: string;
}

export interface Decision {
  unit: Unit;
  assignee: string | null;
  rule: { id: string; version: number };
  reason: string;
}

/** The supervision office (督查室) is the coordinator queue for what no rule covers. */
export const COORDINATOR_UNIT = 'supervision-office';

/**
 * Chooses exactly one responsible unit and person for a case: the routing
 * rule for its category, else the coordinator; within the unit the A post,
 * or the B post when A is absent.
 */
export function decide(category: string, rules: RoutingRule[], units: Map<string, Unit>, posts: Post[]): Decision {
  const rule = rules.find((r) => r.category === category && units.has(r.unitId));
  const unit = units.get(rule?.unitId ?? COORDINATOR_UNIT);
  if (!unit) throw new Error(`coordinator unit "${COORDINATOR_UNIT}" is missing from the unit directory`);
  const staff = posts.filter((p) => p.unitId === unit.id && !p.absent);
  const person = staff.find((p) => p.post === 'A') ?? staff.find((p) => p.post === 'B') ?? null;
  const who = person ? ` — ${person.post} post ${person.username}` : ' — no one on post, unit queue';
  return {
    unit,
    assignee: person?.username ?? null,
    rule: rule ? { id: rule.id, version: rule.version } : { id: 'coordinator-fallback', version: 1 },
    reason: rule
      ? `rule ${rule.id} v${rule.version}: category ${category} → ${unit.nameEn}${who}`
      : `no routing rule for category ${category}: coordinator queue${who}`,
  };
}
