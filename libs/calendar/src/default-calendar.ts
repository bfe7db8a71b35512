import { HolidayFile, overridesFrom, WorkingCalendar } from './working-calendar';
import y2024 from './holidays-cn/2024.json';
import y2025 from './holidays-cn/2025.json';
import y2026 from './holidays-cn/2026.json';

/** The PRC holiday schedules shipped with the product (State Council notices; see src/holidays-cn). */
export const SHIPPED_HOLIDAYS: HolidayFile[] = [y2024, y2025, y2026];

/** Government office hours in China Standard Time: 09:00–12:00 and 13:30–17:30, Monday to Friday, official holidays and 调休. */
export function defaultCalendar(extraYears: HolidayFile[] = []): WorkingCalendar {
  return new WorkingCalendar({
    utcOffsetMinutes: 480,
    periods: [
      { start: 9 * 60, end: 12 * 60 },
      { start: 13 * 60 + 30, end: 17 * 60 + 30 },
    ],
    weekendDays: [0, 6],
    overrides: overridesFrom([...SHIPPED_HOLIDAYS, ...extraYears]),
  });
}
