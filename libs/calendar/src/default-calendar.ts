import { HolidayFile, overridesFrom, Period, WorkingCalendar } from './working-calendar';
import y2024 from './holidays-cn/2024.json';
import y2025 from './holidays-cn/2025.json';
import y2026 from './holidays-cn/2026.json';

/** The PRC holiday schedules shipped with the product (State Council notices; see src/holidays-cn). */
export const SHIPPED_HOLIDAYS: HolidayFile[] = [y2024, y2025, y2026];

/** Government office hours in China Standard Time: 09:00–12:00 and 13:30–17:30. */
export const OFFICE_HOURS: Period[] = [
  { start: 9 * 60, end: 12 * 60 },
  { start: 13 * 60 + 30, end: 17 * 60 + 30 },
];

/** How one unit works, when it differs from the organisation: its hours, its weekly days off, and whether public holidays apply (not for a 24/7 hotline). */
export interface UnitHours {
  periods: Period[];
  weekendDays: number[];
  holidays: boolean;
}

/** Government office hours in China Standard Time, Monday to Friday, official holidays and 调休; or a unit's own hours on the same holiday schedule. */
export function defaultCalendar(extraYears: HolidayFile[] = [], hours?: UnitHours): WorkingCalendar {
  return new WorkingCalendar({
    utcOffsetMinutes: 480,
    periods: hours?.periods ?? OFFICE_HOURS,
    weekendDays: hours?.weekendDays ?? [0, 6],
    overrides: hours && !hours.holidays ? new Map() : overridesFrom([...SHIPPED_HOLIDAYS, ...extraYears]),
  });
}
