import { defaultCalendar, HolidayFile, WorkingCalendar } from '@duban/calendar';
import type { DataSource } from 'typeorm';

const RELOAD_MS = 60_000;

/**
 * The working calendar with the shipped holiday years and those an administrator
 * loaded. Read from memory; reloaded after a load here at once, and within a
 * minute of a load on another replica.
 */
export class CalendarProvider {
  private cached?: { at: number; calendar: WorkingCalendar };

  constructor(private readonly dataSource: DataSource) {}

  async current(): Promise<WorkingCalendar> {
    if (!this.cached || Date.now() - this.cached.at > RELOAD_MS) {
      this.cached = { at: Date.now(), calendar: defaultCalendar(await this.loadedYears()) };
    }
    return this.cached.calendar;
  }

  forget(): void {
    this.cached = undefined;
  }

  async loadedYears(): Promise<HolidayFile[]> {
    const rows: { file: HolidayFile }[] = await this.dataSource.query('SELECT file FROM holiday_years ORDER BY year');
    return rows.map((r) => r.file);
  }
}
