import { defaultCalendar } from '@duban/calendar';
import { lightAt, lightTimers } from './lights';
import { dueAt, FIRST_STAGE_POLICIES } from './sla-policy';

const cal = defaultCalendar();
/** China Standard Time, as the working calendar reads it. */
const cst = (local: string) => new Date(`${local}+08:00`);

describe('lights and the warning ladder', () => {
  it('turns a working-time limit yellow, orange and red at shares of working time, never on a holiday', () => {
    // general: accept within 4 working hours; filed Friday 16:30 before the National Day holiday of 2025.
    const timers = lightTimers(FIRST_STAGE_POLICIES.general, cst('2025-09-30T16:30:00'), cal);
    expect(timers.map((t) => [t.light, t.rung])).toEqual([
      ['yellow', 'handler'],
      ['orange', 'unit-head'],
      ['red', 'supervision-office'],
    ]);
    // 2 working hours: 1 h on 30 Sep (to 17:30), then nothing until the first working day after the holiday (9 Oct).
    expect(timers[0].fireAt.getTime()).toBeGreaterThan(cst('2025-10-08T23:59:59').getTime());
    expect(timers[2].fireAt).toEqual(dueAt(FIRST_STAGE_POLICIES.general, cst('2025-09-30T16:30:00'), cal));
    expect(timers[0].fireAt < timers[1].fireAt && timers[1].fireAt < timers[2].fireAt).toBe(true);
  });

  it('counts elapsed time for emergencies', () => {
    const start = cst('2025-10-01T03:00:00');
    const timers = lightTimers(FIRST_STAGE_POLICIES.immediate, start, cal);
    expect(timers.map((t) => (t.fireAt.getTime() - start.getTime()) / 60_000)).toEqual([60, 96, 120]);
  });

  it('reads the light of a moment and refuses shares out of order', () => {
    const start = cst('2025-10-01T03:00:00');
    const timers = lightTimers(FIRST_STAGE_POLICIES.immediate, start, cal);
    expect(lightAt(timers, cst('2025-10-01T03:30:00'))).toBe('green');
    expect(lightAt(timers, cst('2025-10-01T04:00:00'))).toBe('yellow');
    expect(lightAt(timers, cst('2025-10-01T04:40:00'))).toBe('orange');
    expect(lightAt(timers, cst('2025-10-01T05:00:00'))).toBe('red');
    expect(() => lightTimers(FIRST_STAGE_POLICIES.immediate, start, cal, { yellow: 0.9, orange: 0.8 })).toThrow(/0 < yellow < orange < 1/);
  });
});
