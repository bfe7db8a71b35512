/** The time source of the handling workspace: the system clock in service, a controlled one in tests. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('Clock');
export const systemClock: Clock = { now: () => new Date() };
