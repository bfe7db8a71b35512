/**
 * Keeping dispatch's unit directory and the identity provider's groups in step (docs/dispatch.md,
 * "The unit tree in Keycloak"). Each side may change; the last state both agreed on (`synced`) tells
 * which side moved: a unit changed only in Keycloak is taken from Keycloak, one changed only in
 * dispatch is written to Keycloak, one changed on both sides keeps dispatch's version (dispatch
 * owns the directory) and the conflict is reported. Nothing is ever deleted on either side.
 */

/** What both sides hold of a unit. */
export interface UnitFacts {
  parentUnitId: string | null;
  nameZh: string;
  nameEn: string;
  kind: string;
}

export interface DirectoryUnit extends UnitFacts {
  unitId: string;
  /** The facts both sides last agreed on (null: never synchronised). */
  synced: UnitFacts | null;
}

/**
 * A group of the identity provider that stands for a unit. Names and kind are null when the group
 * does not carry them (a realm imported without them): the group then has no say on them.
 */
export interface DirectoryGroup {
  groupId: string;
  unitId: string;
  parentUnitId: string | null;
  nameZh: string | null;
  nameEn: string | null;
  kind: string | null;
}

export type SyncAction =
  /** Create the unit's group under its parent's group. */
  | { kind: 'create-group'; unitId: string; facts: UnitFacts }
  /** Write dispatch's facts to the group (and move it under another parent if `move`). */
  | { kind: 'update-group'; unitId: string; groupId: string; facts: UnitFacts; move: boolean }
  /** Take the group's facts into dispatch (a new unit when `create`). */
  | { kind: 'pull'; unitId: string; facts: UnitFacts; create: boolean }
  /** Both sides agree: remember it. */
  | { kind: 'agreed'; unitId: string; facts: UnitFacts };

export function sameFacts(a: UnitFacts | null, b: UnitFacts | null): boolean {
  return !!a && !!b && a.parentUnitId === b.parentUnitId && a.nameZh === b.nameZh && a.nameEn === b.nameEn && a.kind === b.kind;
}

const factsOf = (u: UnitFacts): UnitFacts => ({ parentUnitId: u.parentUnitId, nameZh: u.nameZh, nameEn: u.nameEn, kind: u.kind });

/** Parents before children, so a group or unit is always created under one that exists. */
function treeOrder<T extends { unitId: string; parentUnitId: string | null }>(items: T[]): T[] {
  const byId = new Map(items.map((i) => [i.unitId, i]));
  const depth = (i: T, seen = new Set<string>()): number => {
    const parent = i.parentUnitId ? byId.get(i.parentUnitId) : undefined;
    if (!parent || seen.has(i.unitId)) return 0;
    seen.add(i.unitId);
    return 1 + depth(parent, seen);
  };
  return [...items].sort((a, b) => depth(a) - depth(b) || a.unitId.localeCompare(b.unitId));
}

export interface SyncPlan {
  actions: SyncAction[];
  /** Units changed on both sides since they last agreed (dispatch's version is kept). */
  conflicts: string[];
  /** Groups that could not be taken in (their parent is no unit), with why. */
  skipped: string[];
}

/** What to do to bring both sides in step. */
export function planSync(units: DirectoryUnit[], allGroups: DirectoryGroup[]): SyncPlan {
  const actions: SyncAction[] = [];
  const conflicts: string[] = [];
  const skipped: string[] = [];
  // Two groups claiming one unit: neither is trusted (an identity administrator must remove one).
  const claims = new Map<string, number>();
  for (const g of allGroups) claims.set(g.unitId, (claims.get(g.unitId) ?? 0) + 1);
  for (const [unitId, n] of claims) if (n > 1) skipped.push(`${unitId}: ${n} groups claim this unit`);
  const groups = allGroups.filter((g) => claims.get(g.unitId) === 1);
  const groupOf = new Map(groups.map((g) => [g.unitId, g]));
  const known = new Set(units.map((u) => u.unitId));
  // The tree as it will be once the plan is applied, to refuse any change that would make a cycle.
  const parentOf = new Map(units.map((u) => [u.unitId, u.parentUnitId]));
  const wouldCycle = (unitId: string, parent: string | null): boolean => {
    for (let at = parent, steps = 0; at !== null && at !== undefined && steps <= parentOf.size; at = parentOf.get(at) ?? null, steps += 1) {
      if (at === unitId) return true;
    }
    return false;
  };
  for (const u of treeOrder(units)) {
    const g = groupOf.get(u.unitId);
    const mine = factsOf(u);
    if (!g) {
      actions.push({ kind: 'create-group', unitId: u.unitId, facts: mine });
      continue;
    }
    const theirs: UnitFacts = { parentUnitId: g.parentUnitId, nameZh: g.nameZh ?? mine.nameZh, nameEn: g.nameEn ?? mine.nameEn, kind: g.kind ?? mine.kind };
    if (sameFacts(mine, theirs)) {
      // A group that lost its names and kind (a realm imported again from its file) gets them back.
      if (g.nameZh === null || g.nameEn === null || g.kind === null) actions.push({ kind: 'update-group', unitId: u.unitId, groupId: g.groupId, facts: mine, move: false });
      else if (!sameFacts(u.synced, mine)) actions.push({ kind: 'agreed', unitId: u.unitId, facts: mine });
      continue;
    }
    const changedHere = !sameFacts(u.synced, mine);
    const changedThere = !sameFacts(u.synced, theirs);
    // A root stays a root; any other unit only moves under a unit, and never under itself.
    const placeable = theirs.parentUnitId === null ? mine.parentUnitId === null : known.has(theirs.parentUnitId) && !wouldCycle(u.unitId, theirs.parentUnitId);
    if (!changedHere && changedThere && placeable) {
      actions.push({ kind: 'pull', unitId: u.unitId, facts: theirs, create: false });
      parentOf.set(u.unitId, theirs.parentUnitId);
      continue;
    }
    if (!changedHere && changedThere) skipped.push(`${u.unitId}: its group was moved where no unit can go (${theirs.parentUnitId ?? 'outside the unit tree'}); moved back`);
    if (changedHere && changedThere && u.synced) conflicts.push(u.unitId);
    actions.push({ kind: 'update-group', unitId: u.unitId, groupId: g.groupId, facts: mine, move: mine.parentUnitId !== theirs.parentUnitId });
  }
  for (const g of treeOrder(groups.filter((x) => !known.has(x.unitId)))) {
    if (g.parentUnitId === null || !known.has(g.parentUnitId)) {
      skipped.push(`${g.unitId}: its parent group is no unit`);
      continue;
    }
    actions.push({ kind: 'pull', unitId: g.unitId, facts: { parentUnitId: g.parentUnitId, nameZh: g.nameZh ?? g.unitId, nameEn: g.nameEn ?? g.unitId, kind: g.kind ?? 'office' }, create: true });
    known.add(g.unitId);
    parentOf.set(g.unitId, g.parentUnitId);
  }
  return { actions, conflicts, skipped };
}
