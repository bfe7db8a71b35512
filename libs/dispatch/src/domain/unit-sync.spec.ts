import { DirectoryGroup, DirectoryUnit, planSync, UnitFacts } from './unit-sync';

const facts = (parentUnitId: string | null, nameEn: string, kind = 'bureau'): UnitFacts => ({ parentUnitId, nameZh: `${nameEn}局`, nameEn, kind });
const unit = (unitId: string, now: UnitFacts, synced: UnitFacts | null = now): DirectoryUnit => ({ unitId, ...now, synced });
const group = (unitId: string, f: UnitFacts): DirectoryGroup => ({ groupId: `g-${unitId}`, unitId, ...f });

describe('keeping the unit directory and the groups in step', () => {
  const city = facts(null, 'City', 'government');
  const water = facts('city', 'Water');

  it('does nothing when both sides agree and remembered it', () => {
    expect(planSync([unit('city', city), unit('water', water)], [group('city', city), group('water', water)])).toEqual({ actions: [], conflicts: [], skipped: [] });
  });

  it('creates the groups of new units, parents first, and remembers what both sides agree on', () => {
    const sub = facts('district', 'Sub');
    const district = facts('city', 'District', 'district');
    const plan = planSync([unit('sub', sub, null), unit('city', city, null), unit('district', district, null)], [group('city', city)]);
    expect(plan.actions).toEqual([
      { kind: 'agreed', unitId: 'city', facts: city },
      { kind: 'create-group', unitId: 'district', facts: district },
      { kind: 'create-group', unitId: 'sub', facts: sub },
    ]);
  });

  it('writes a change made in dispatch to the group, moving it when the parent changed', () => {
    const renamed = facts('city', 'Water Authority');
    const moved = facts('district', 'Water');
    expect(planSync([unit('water', renamed, water)], [group('water', water)]).actions).toEqual([
      { kind: 'update-group', unitId: 'water', groupId: 'g-water', facts: renamed, move: false },
    ]);
    expect(planSync([unit('district', facts('city', 'D')), unit('water', moved, water)], [group('district', facts('city', 'D')), group('water', water)]).actions).toEqual([
      { kind: 'update-group', unitId: 'water', groupId: 'g-water', facts: moved, move: true },
    ]);
  });

  it('takes a change made in Keycloak, and a unit added there under a unit', () => {
    const renamedThere = facts('city', 'Water Bureau');
    const added = facts('water', 'Water Quality Office', 'office');
    const plan = planSync([unit('city', city), unit('water', water)], [group('city', city), group('water', renamedThere), group('water-quality', added)]);
    expect(plan.actions).toEqual([
      { kind: 'pull', unitId: 'water', facts: renamedThere, create: false },
      { kind: 'pull', unitId: 'water-quality', facts: added, create: true },
    ]);
  });

  it('keeps dispatch’s version when both sides changed, and says so', () => {
    const here = facts('city', 'Water (dispatch)');
    const there = facts('city', 'Water (keycloak)');
    expect(planSync([unit('water', here, water)], [group('water', there)])).toEqual({
      actions: [{ kind: 'update-group', unitId: 'water', groupId: 'g-water', facts: here, move: false }],
      conflicts: ['water'],
      skipped: [],
    });
  });

  it('never takes a group whose parent is no unit, nor moves a unit under one', () => {
    const orphan = facts('nowhere', 'Orphan');
    const plan = planSync([unit('water', water)], [group('water', facts('nowhere', 'Water')), group('orphan', orphan)]);
    expect(plan.actions).toEqual([{ kind: 'update-group', unitId: 'water', groupId: 'g-water', facts: water, move: true }]);
    expect(plan.skipped).toEqual(['water: its group was moved where no unit can go (nowhere); moved back', 'orphan: its parent group is no unit']);
  });

  it('trusts no group when two claim one unit, and never makes a cycle or an extra root', () => {
    const district = facts('city', 'District', 'district');
    const sub = facts('district', 'Sub', 'subdistrict');
    const units = [unit('city', city), unit('district', district), unit('sub', sub)];
    // A stray group named like the district, under the subdistrict: two groups claim "district".
    const twice = planSync(units, [group('city', city), group('district', district), { ...group('district', facts('sub', 'District')), groupId: 'g-stray' }, group('sub', sub)]);
    expect(twice.actions).toEqual([{ kind: 'create-group', unitId: 'district', facts: district }]);
    expect(twice.skipped).toEqual(['district: 2 groups claim this unit']);
    // The district's group moved under its own subdistrict: a cycle — moved back instead.
    const cycle = planSync(units, [group('city', city), group('district', facts('sub', 'District', 'district')), group('sub', sub)]);
    expect(cycle.actions).toEqual([{ kind: 'update-group', unitId: 'district', groupId: 'g-district', facts: district, move: true }]);
    expect(cycle.skipped).toEqual(['district: its group was moved where no unit can go (sub); moved back']);
    // Moved out of the unit tree (no parent unit): moved back, not taken as a new root.
    const outside = planSync(units, [group('city', city), group('district', facts(null, 'District', 'district')), group('sub', sub)]);
    expect(outside.actions).toEqual([{ kind: 'update-group', unitId: 'district', groupId: 'g-district', facts: district, move: true }]);
  });

  it('takes no names from a group that carries none (a realm imported again from its file), and gives them back', () => {
    const bare = { groupId: 'g-water', unitId: 'water', parentUnitId: 'city', nameZh: null, nameEn: null, kind: null };
    expect(planSync([unit('water', water)], [bare]).actions).toEqual([{ kind: 'update-group', unitId: 'water', groupId: 'g-water', facts: water, move: false }]);
    // A group added in Keycloak with a unit code for a name and nothing else: named after its code.
    const added = planSync([unit('water', water)], [group('water', water), { groupId: 'g-lab', unitId: 'water-lab', parentUnitId: 'water', nameZh: null, nameEn: null, kind: null }]);
    expect(added.actions).toEqual([{ kind: 'pull', unitId: 'water-lab', facts: { parentUnitId: 'water', nameZh: 'water-lab', nameEn: 'water-lab', kind: 'office' }, create: true }]);
  });
});
