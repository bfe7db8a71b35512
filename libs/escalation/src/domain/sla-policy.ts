import { WorkingCalendar } from '@duban/calendar';

export type Tier = 'immediate' | 'general' | 'complex';
export type Stage = 'accept' | 'start' | 'complete' | 'designate' | 'supervision';

export interface SlaPolicy {
  id: string;
  tier: Tier;
  stage: Stage;
  minutes: number;
  /** Working time on the unit's calendar, or elapsed (natural) time for emergencies. */
  basis: 'working' | 'elapsed';
}

/**
 * The first clock each tier starts when a case is assigned (DOMAIN.md):
 * immediate — start within 2 h (around the clock); general — accept within
 * 4 working hours; complex — lead unit designated within 1 working day.
 */
export const FIRST_STAGE_POLICIES: Record<Tier, SlaPolicy> = {
  immediate: { id: 'immediate.start.2h', tier: 'immediate', stage: 'start', minutes: 120, basis: 'elapsed' },
  general: { id: 'general.accept.4wh', tier: 'general', stage: 'accept', minutes: 240, basis: 'working' },
  complex: { id: 'complex.accept.1wd', tier: 'complex', stage: 'accept', minutes: 420, basis: 'working' },
};

/**
 * A case nobody could route, or returned twice, waits in the coordinator queue: the supervision
 * office must designate the lead unit within 1 working day (issue 4), whatever the tier.
 */
export const DESIGNATE_POLICY: Omit<SlaPolicy, 'tier'> = { id: 'coordination.designate.1wd', stage: 'designate', minutes: 420, basis: 'working' };

export function dueAt(policy: Pick<SlaPolicy, 'minutes' | 'basis'>, start: Date, calendar: WorkingCalendar): Date {
  return policy.basis === 'elapsed'
    ? new Date(start.getTime() + policy.minutes * 60_000)
    : calendar.addWorkingMinutes(start, policy.minutes);
}
