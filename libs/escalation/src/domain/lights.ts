import { WorkingCalendar } from '@duban/calendar';
import { dueAt, SlaPolicy } from './sla-policy';

/** 红黄灯: how much of a stage's allowed time is used up. */
export type Light = 'green' | 'yellow' | 'orange' | 'red';

/** Who is warned when a clock turns a colour (the warning ladder 预警梯度). */
export type Rung = 'handler' | 'unit-head' | 'supervision-office';

export interface LightPolicy {
  /** Shares of the allowed time (0 < yellow < orange < 1) at which the light changes; red at the limit. */
  yellow: number;
  orange: number;
}

/** Defaults (configurable): yellow at half the allowed time, orange at 80 %, red when it runs out. */
export const DEFAULT_LIGHTS: LightPolicy = { yellow: 0.5, orange: 0.8 };

/** The warning ladder: yellow warns the handler, orange the unit head, red the supervision office. */
export const LADDER: Record<Exclude<Light, 'green'>, Rung> = { yellow: 'handler', orange: 'unit-head', red: 'supervision-office' };

export interface LightTimer {
  light: Exclude<Light, 'green'>;
  fireAt: Date;
  rung: Rung;
}

/**
 * When a clock's light changes: the shares of its allowed time measured in the
 * policy's own basis (working time on the calendar, or elapsed time), so a
 * yellow light never fires on a holiday for a working-time limit.
 */
export function lightTimers(policy: Pick<SlaPolicy, 'minutes' | 'basis'>, startedAt: Date, calendar: WorkingCalendar, lights: LightPolicy = DEFAULT_LIGHTS): LightTimer[] {
  if (!(lights.yellow > 0 && lights.yellow < lights.orange && lights.orange < 1)) {
    throw new Error(`light shares must satisfy 0 < yellow < orange < 1, got ${lights.yellow}, ${lights.orange}`);
  }
  const at = (share: number) => dueAt({ minutes: Math.round(policy.minutes * share), basis: policy.basis }, startedAt, calendar);
  return [
    { light: 'yellow', fireAt: at(lights.yellow), rung: LADDER.yellow },
    { light: 'orange', fireAt: at(lights.orange), rung: LADDER.orange },
    { light: 'red', fireAt: dueAt(policy, startedAt, calendar), rung: LADDER.red },
  ];
}

/** The light of a running clock at a moment, from its timers. */
export function lightAt(timers: readonly Pick<LightTimer, 'light' | 'fireAt'>[], now: Date): Light {
  let light: Light = 'green';
  for (const t of [...timers].sort((a, b) => a.fireAt.getTime() - b.fireAt.getTime())) if (t.fireAt <= now) light = t.light;
  return light;
}
