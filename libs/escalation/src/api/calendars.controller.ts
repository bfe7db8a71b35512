import { Body, Controller, Get, Inject, Param, Put, UseGuards } from '@nestjs/common';
import { holidayFileProblems, SHIPPED_HOLIDAYS } from '@duban/calendar';
import { HolidayYearRequest } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe, ServiceRuntime } from '@duban/service-defaults';
import { CalendarProvider } from '../infrastructure/calendar-provider';

/** The holiday years time limits are computed on: shipped with the product, or loaded by an administrator. */
@Controller('api/v1/calendars/holidays')
@UseGuards(BearerAuthGuard)
export class CalendarsController {
  constructor(
    @Inject(ServiceRuntime) private readonly runtime: ServiceRuntime,
    @Inject(CalendarProvider) private readonly calendars: CalendarProvider,
  ) {}

  @Get()
  async list() {
    const loaded: { year: number; days: number; loadedBy: string; loadedAt: Date }[] = await this.runtime.dataSource.query(
      `SELECT year, jsonb_array_length(file -> 'days') AS days, loaded_by AS "loadedBy", loaded_at AS "loadedAt" FROM holiday_years`,
    );
    const years = new Map<number, object>(SHIPPED_HOLIDAYS.map((f) => [f.year, { year: f.year, source: 'shipped', days: f.days.length }]));
    for (const l of loaded) years.set(l.year, { ...l, source: 'loaded' });
    return { years: [...years.values()].sort((a, b) => (a as { year: number }).year - (b as { year: number }).year) };
  }

  /** A year's schedule (a new year, or a correction of a shipped one); the loaded file wins over the shipped one. */
  @Put(':year')
  async load(@Param('year') yearText: string, @Body(new SchemaPipe(HolidayYearRequest)) body: HolidayYearRequest, @CurrentPrincipal() principal: Principal) {
    if (!hasRole(principal, 'admin')) throw Problems.forbidden('Only administrators load holiday years.');
    const year = Number(yearText);
    if (!/^\d{4}$/.test(yearText) || year < 2000 || year > 2100) throw Problems.notFound('This year');
    const problems = holidayFileProblems(body, year);
    if (problems.length > 0) throw Problems.validation(problems.map((p) => ({ pointer: `/${p.field.replace(/\./g, '/')}`, ...p })));
    await this.runtime.dataSource.query(
      `INSERT INTO holiday_years (year, file, loaded_by) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (year) DO UPDATE SET file = EXCLUDED.file, loaded_by = EXCLUDED.loaded_by, loaded_at = now()`,
      [year, JSON.stringify({ year, days: body.days, papers: body.papers ?? [] }), principal.username],
    );
    this.calendars.forget();
    const calendar = await this.calendars.current();
    return { year, source: 'loaded', days: body.days.length, loadedBy: principal.username, workingDaysInYear: countWorkingDays(year, (d) => calendar.isWorkingDay(d)) };
  }
}

function countWorkingDays(year: number, isWorking: (date: string) => boolean): number {
  let n = 0;
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 86_400_000) if (isWorking(new Date(t).toISOString().slice(0, 10))) n += 1;
  return n;
}
