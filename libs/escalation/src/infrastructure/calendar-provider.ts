import { defaultCalendar, HolidayFile, UnitHours, WorkingCalendar } from '@duban/calendar';
import type { DataSource } from 'typeorm';

const RELOAD_MS = 60_000;

/**
 * The working calendars limits are computed on: the organisation's (office hours, the shipped
 * holiday years and those an administrator loaded) and each unit's own hours where set. Read from
 * memory; reloaded after a change here at once, and within a minute of a change on another replica.
 */
export class CalendarProvider {
  private cached?: { at: number; years: HolidayFile[]; organisation: WorkingCalendar; units: Map<string, WorkingCalendar> };

  constructor(private readonly dataSource: DataSource) {}

  /** The organisation's calendar. */
  async current(): Promise<WorkingCalendar> {
    return (await this.load()).organisation;
  }

  /** The calendar a unit's limits run on: its own hours if an administrator set them, else the organisation's. */
  async forUnit(unitId: string): Promise<WorkingCalendar> {
    const cached = await this.load();
    return cached.units.get(unitId) ?? cached.organisation;
  }

  forget(): void {
    this.cached = undefined;
  }

  async loadedYears(): Promise<HolidayFile[]> {
    const rows: { file: HolidayFile }[] = await this.dataSource.query('SELECT file FROM holiday_years ORDER BY year');
    return rows.map((r) => r.file);
  }

  private async load() {
    if (!this.cached || Date.now() - this.cached.at > RELOAD_MS) {
      const years = await this.loadedYears();
      const rows: { unit_id: string; periods: UnitHours['periods']; weekend_days: number[]; holidays: boolean }[] = await this.dataSource.query(
        'SELECT unit_id, periods, weekend_days, holidays FROM unit_calendars',
      );
      this.cached = {
        at: Date.now(),
        years,
        organisation: defaultCalendar(years),
        units: new Map(rows.map((r) => [r.unit_id, defaultCalendar(years, { periods: r.periods, weekendDays: r.weekend_days, holidays: r.holidays })])),
      };
    }
    return this.cached;
  }
}
