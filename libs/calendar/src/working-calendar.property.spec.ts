import fc from 'fast-check';
import { defaultCalendar, SHIPPED_HOLIDAYS } from './default-calendar';

const cal = defaultCalendar();
// Instants across the shipped years 2024–2026 (the range the official schedules cover).
const instant = fc.date({ min: new Date('2024-01-01T00:00:00+08:00'), max: new Date('2026-10-31T00:00:00+08:00'), noInvalidDate: true });
const minutes = fc.integer({ min: 0, max: 60 * 7 * 40 }); // up to 40 working days
const localDate = (d: Date) => new Date(d.getTime() + 480 * 60_000).toISOString().slice(0, 10);
const offDays = new Set(SHIPPED_HOLIDAYS.flatMap((f) => f.days.filter((d) => d.isOffDay).map((d) => d.date)));
const makeUpDays = new Set(SHIPPED_HOLIDAYS.flatMap((f) => f.days.filter((d) => !d.isOffDay).map((d) => d.date)));

describe('working-time arithmetic (properties)', () => {
  it('round-trips: the working time between a start and start + m is m', () => {
    // Instants carry milliseconds, so the minutes come back as floating point: equal within a microsecond.
    fc.assert(fc.property(instant, minutes, (start, m) => Math.abs(cal.workingMinutesBetween(start, cal.addWorkingMinutes(start, m)) - m) < 1e-6));
  });

  it('is monotonic: more working time never ends earlier', () => {
    fc.assert(
      fc.property(instant, minutes, minutes, (start, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return cal.addWorkingMinutes(start, lo).getTime() <= cal.addWorkingMinutes(start, hi).getTime();
      }),
    );
  });

  it('never counts a holiday, and counts a make-up working day', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 60 * 7 * 40 }), (start, m) => {
        // A limit never runs out on a day off, and a day off adds no working time.
        const end = cal.addWorkingMinutes(start, m);
        return !offDays.has(localDate(new Date(end.getTime() - 60_000))) && cal.isWorkingDay(localDate(new Date(end.getTime() - 60_000)));
      }),
    );
    for (const day of offDays) {
      expect(cal.workingMinutesBetween(new Date(`${day}T00:00:00+08:00`), new Date(`${day}T23:59:59+08:00`))).toBe(0);
    }
    for (const day of makeUpDays) {
      expect(cal.workingMinutesBetween(new Date(`${day}T00:00:00+08:00`), new Date(`${day}T23:59:59+08:00`))).toBe(420);
    }
  });

  it('splits: the working time of [a, c) is that of [a, b) plus [b, c)', () => {
    fc.assert(
      fc.property(instant, instant, instant, (x, y, z) => {
        const [a, b, c] = [x, y, z].sort((p, q) => p.getTime() - q.getTime());
        return Math.abs(cal.workingMinutesBetween(a, c) - cal.workingMinutesBetween(a, b) - cal.workingMinutesBetween(b, c)) < 1e-6;
      }),
    );
  });
});
