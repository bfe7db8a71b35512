const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;

/** A working period within a day, in minutes after local midnight, [start, end). */
export interface Period {
  start: number;
  end: number;
}

export interface CalendarDefinition {
  /** Offset of local time from UTC in minutes (China Standard Time: +480). */
  utcOffsetMinutes: number;
  periods: Period[];
  /** Days of the week that are off unless an override says otherwise (0 = Sunday). */
  weekendDays: number[];
  /** Per-date overrides, 'YYYY-MM-DD' → true for a day off (holiday), false for a make-up working day (调休). */
  overrides: Map<string, boolean>;
}

export interface HolidayFile {
  year: number;
  days: { name: string; date: string; isOffDay: boolean }[];
}

/** Reads the official holiday and make-up working day lists (holiday-cn format). */
export function overridesFrom(files: HolidayFile[]): Map<string, boolean> {
  const map = new Map<string, boolean>();
  for (const file of files) for (const day of file.days) map.set(day.date, day.isOffDay);
  return map;
}

/**
 * Working-time arithmetic on one calendar: working hours, weekends, public
 * holidays and make-up working days. All inputs and outputs are instants (Date).
 */
export class WorkingCalendar {
  private readonly periods: Period[];

  constructor(private readonly definition: CalendarDefinition) {
    this.periods = [...definition.periods].sort((a, b) => a.start - b.start);
    for (const p of this.periods) {
      if (!(p.start >= 0 && p.end <= DAY_MINUTES && p.start < p.end)) throw new Error(`invalid working period ${p.start}-${p.end}`);
    }
  }

  /** Minutes of working time in one working day. */
  get minutesPerDay(): number {
    return this.periods.reduce((sum, p) => sum + (p.end - p.start), 0);
  }

  isWorkingDay(localDate: string): boolean {
    const override = this.definition.overrides.get(localDate);
    if (override !== undefined) return !override;
    const weekday = new Date(`${localDate}T00:00:00Z`).getUTCDay();
    return !this.definition.weekendDays.includes(weekday);
  }

  /** The instant that lies `minutes` of working time after `start`. */
  addWorkingMinutes(start: Date, minutes: number): Date {
    if (minutes < 0) throw new Error('minutes must not be negative');
    if (this.minutesPerDay === 0) throw new Error('calendar has no working time');
    const offset = this.definition.utcOffsetMinutes;
    let localMs = start.getTime() + offset * MINUTE;
    let remaining = minutes;
    for (let guard = 0; guard < 366 * 20; guard += 1) {
      const dayStartMs = Math.floor(localMs / (DAY_MINUTES * MINUTE)) * DAY_MINUTES * MINUTE;
      const date = new Date(dayStartMs).toISOString().slice(0, 10);
      if (this.isWorkingDay(date)) {
        const minuteOfDay = (localMs - dayStartMs) / MINUTE;
        for (const p of this.periods) {
          if (minuteOfDay >= p.end) continue;
          const from = Math.max(minuteOfDay, p.start);
          const available = p.end - from;
          if (remaining <= available) return new Date(dayStartMs + (from + remaining) * MINUTE - offset * MINUTE);
          remaining -= available;
        }
      }
      localMs = dayStartMs + DAY_MINUTES * MINUTE;
    }
    throw new Error('working time does not end within 20 years');
  }

  /** Minutes of working time in [start, end) — 0 when end is not after start. */
  workingMinutesBetween(start: Date, end: Date): number {
    if (end <= start) return 0;
    const offset = this.definition.utcOffsetMinutes * MINUTE;
    const fromLocal = start.getTime() + offset;
    const toLocal = end.getTime() + offset;
    const dayMs = DAY_MINUTES * MINUTE;
    let total = 0;
    for (let dayStart = Math.floor(fromLocal / dayMs) * dayMs; dayStart < toLocal; dayStart += dayMs) {
      if (!this.isWorkingDay(new Date(dayStart).toISOString().slice(0, 10))) continue;
      for (const p of this.periods) {
        const a = Math.max(fromLocal, dayStart + p.start * MINUTE);
        const b = Math.min(toLocal, dayStart + p.end * MINUTE);
        if (b > a) total += (b - a) / MINUTE;
      }
    }
    return total;
  }
}

/**
 * What is wrong with a holiday file for a year (the holiday-cn format of the shipped files):
 * dates that do not exist, lie in another year, or come twice. Empty when it can be loaded.
 */
export function holidayFileProblems(file: HolidayFile, year: number): { field: string; detail: string }[] {
  const problems: { field: string; detail: string }[] = [];
  if (file.year !== year) problems.push({ field: 'year', detail: `must be ${year}, the year in the path` });
  const seen = new Set<string>();
  file.days.forEach((day, i) => {
    const date = new Date(`${day.date}T00:00:00Z`);
    const real = /^\d{4}-\d{2}-\d{2}$/.test(day.date) && !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day.date;
    // A make-up working day may fall in the last days of the year before (e.g. for New Year).
    if (!real) problems.push({ field: `days.${i}.date`, detail: `${day.date} is not a date` });
    else if (date.getUTCFullYear() !== year && !(date.getUTCFullYear() === year - 1 && !day.isOffDay)) {
      problems.push({ field: `days.${i}.date`, detail: `${day.date} is not in ${year}` });
    }
    if (seen.has(day.date)) problems.push({ field: `days.${i}.date`, detail: `${day.date} is listed twice` });
    seen.add(day.date);
  });
  return problems;
}

/** "HH:MM" (local clock time) as minutes of the day. */
export const clockMinutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Minutes of the day as "HH:MM". */
export const clockTime = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
