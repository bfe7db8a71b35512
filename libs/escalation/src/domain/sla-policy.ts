import { WorkingCalendar } from '@duban/calendar';

export type Tier = 'immediate' | 'general' | 'complex';
export type Stage = 'accept' | 'start' | 'result' | 'complete' | 'solution' | 'designate' | 'assist' | 'supervision';

export interface SlaPolicy {
  id: string;
  tier: Tier;
  stage: Stage;
  minutes: number;
  /** Working time on the unit's calendar, or elapsed (natural) time for emergencies. */
  basis: 'working' | 'elapsed';
}

/** A working day of the default calendar (09:00–12:00, 13:30–17:30). */
const WORKING_DAY = 420;

/**
 * The first clock each tier starts when a case is assigned (DOMAIN.md), met by the sign-for (签收):
 * immediate — start within 2 h (around the clock); general — accept within 4 working hours;
 * complex — the lead unit takes it on within 1 working day.
 */
export const FIRST_STAGE_POLICIES: Record<Tier, SlaPolicy> = {
  immediate: { id: 'immediate.start.2h', tier: 'immediate', stage: 'start', minutes: 120, basis: 'elapsed' },
  general: { id: 'general.accept.4wh', tier: 'general', stage: 'accept', minutes: 240, basis: 'working' },
  complex: { id: 'complex.accept.1wd', tier: 'complex', stage: 'accept', minutes: WORKING_DAY, basis: 'working' },
};

/**
 * The result clock each tier starts at the same moment: immediate — first result fed back within
 * 24 h; general — completed within 3 working days; complex — a solution within 10 working days
 * (met when it is co-signed, or by a result submitted before).
 */
export const RESULT_STAGE_POLICIES: Record<Tier, SlaPolicy> = {
  immediate: { id: 'immediate.result.24h', tier: 'immediate', stage: 'result', minutes: 24 * 60, basis: 'elapsed' },
  general: { id: 'general.complete.3wd', tier: 'general', stage: 'complete', minutes: 3 * WORKING_DAY, basis: 'working' },
  complex: { id: 'complex.solution.10wd', tier: 'complex', stage: 'solution', minutes: 10 * WORKING_DAY, basis: 'working' },
};

/**
 * A case nobody could route, or returned twice, waits in the coordinator queue: the supervision
 * office must designate the lead unit within 1 working day (issue 4), whatever the tier.
 */
export const DESIGNATE_POLICY: Omit<SlaPolicy, 'tier'> = { id: 'coordination.designate.1wd', stage: 'designate', minutes: WORKING_DAY, basis: 'working' };

/** A cooperating unit replies within 4 working hours on its own calendar unless the lead set a deadline. */
export const ASSIST_POLICY_ID = 'assist.reply';

export const FIRST_STAGES: readonly Stage[] = [...new Set(Object.values(FIRST_STAGE_POLICIES).map((p) => p.stage))];
export const RESULT_STAGES: readonly Stage[] = [...new Set(Object.values(RESULT_STAGE_POLICIES).map((p) => p.stage))];
/** The lead unit's stages: these stop while the case waits on the reporter. */
export const LEAD_STAGES: readonly Stage[] = [...FIRST_STAGES, ...RESULT_STAGES];

export function dueAt(policy: Pick<SlaPolicy, 'minutes' | 'basis'>, start: Date, calendar: WorkingCalendar): Date {
  return policy.basis === 'elapsed'
    ? new Date(start.getTime() + policy.minutes * 60_000)
    : calendar.addWorkingMinutes(start, policy.minutes);
}

/** What is left of a limit at a moment, in the policy's basis (working minutes, or elapsed minutes). */
export function remaining(basis: SlaPolicy['basis'], from: Date, due: Date, calendar: WorkingCalendar): number {
  if (due.getTime() <= from.getTime()) return 0;
  return basis === 'elapsed' ? (due.getTime() - from.getTime()) / 60_000 : calendar.workingMinutesBetween(from, due);
}

/** The policies in force: the defaults above, with the limits an administrator changed. */
export interface PolicySet {
  first: Record<Tier, SlaPolicy>;
  result: Record<Tier, SlaPolicy>;
  designate: Omit<SlaPolicy, 'tier'>;
}

export const DEFAULT_POLICIES: PolicySet = { first: FIRST_STAGE_POLICIES, result: RESULT_STAGE_POLICIES, designate: DESIGNATE_POLICY };

/** A changed limit: `key` is `tier.stage` (`general.accept`, `complex.solution`, …) or `coordination.designate`. */
export interface PolicyOverride {
  key: string;
  minutes: number;
  basis: SlaPolicy['basis'];
}

/** The key an administrator changes a policy by. */
export const policyKey = (p: { tier?: Tier; stage: Stage }): string => (p.stage === 'designate' ? 'coordination.designate' : `${p.tier}.${p.stage}`);

/** Every policy an administrator may change, with its default, by key. */
export const CONFIGURABLE_POLICIES: ReadonlyMap<string, Omit<SlaPolicy, 'tier'> & { tier?: Tier }> = new Map(
  [...Object.values(FIRST_STAGE_POLICIES), ...Object.values(RESULT_STAGE_POLICIES), DESIGNATE_POLICY].map((p) => [policyKey(p), p]),
);

/** The policy set with the overrides applied; a changed policy gets an id naming its limit (kept on each clock it starts). */
export function applyOverrides(overrides: readonly PolicyOverride[]): PolicySet {
  const byKey = new Map(overrides.map((o) => [o.key, o]));
  const apply = <P extends Omit<SlaPolicy, 'tier'> & { tier?: Tier }>(p: P): P => {
    const o = byKey.get(policyKey(p));
    return o ? { ...p, id: `${policyKey(p)}.${o.minutes}m-${o.basis}`, minutes: o.minutes, basis: o.basis } : p;
  };
  const tiers = <T extends Record<Tier, SlaPolicy>>(set: T) =>
    Object.fromEntries(Object.entries(set).map(([tier, p]) => [tier, apply(p)])) as Record<Tier, SlaPolicy>;
  return { first: tiers(FIRST_STAGE_POLICIES), result: tiers(RESULT_STAGE_POLICIES), designate: apply(DESIGNATE_POLICY) };
}
