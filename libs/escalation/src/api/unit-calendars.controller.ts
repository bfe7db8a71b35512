import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, UseGuards } from '@nestjs/common';
import { clockMinutes, clockTime } from '@duban/calendar';
import { UnitCalendarRequest } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe, ServiceRuntime } from '@duban/service-defaults';
import { CalendarProvider } from '../infrastructure/calendar-provider';


/**
 * A unit's own working calendar (per-unit calendars): its hours and weekly days off, on the
 * organisation's holiday schedule or none. Limits that start afterwards run on it.
 */
@Controller('api/v1/calendars/units')
@UseGuards(BearerAuthGuard)
export class UnitCalendarsController {
  constructor(
    @Inject(ServiceRuntime) private readonly runtime: ServiceRuntime,
    @Inject(CalendarProvider) private readonly calendars: CalendarProvider,
  ) {}

  @Get()
  async list() {
    const rows = await this.runtime.dataSource.query(`SELECT unit_id, periods, weekend_days, holidays, changed_by, changed_at FROM unit_calendars ORDER BY unit_id`);
    return { default: { periods: [{ start: '09:00', end: '12:00' }, { start: '13:30', end: '17:30' }], weekendDays: [0, 6], holidays: true }, units: rows.map(present) };
  }

  @Put(':unitId')
  async set(@Param('unitId') unitId: string, @Body(new SchemaPipe(UnitCalendarRequest)) body: UnitCalendarRequest, @CurrentPrincipal() principal: Principal) {
    if (!hasRole(principal, 'admin')) throw Problems.forbidden('Only administrators set unit calendars.');
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(unitId)) throw Problems.notFound('This unit');
    const periods = body.periods.map((p) => ({ start: clockMinutes(p.start), end: clockMinutes(p.end) })).sort((a, b) => a.start - b.start);
    periods.forEach((p, i) => {
      if (!(p.start < p.end)) throw Problems.field(`periods/${i}`, 'a period ends after it starts');
      if (i > 0 && p.start < periods[i - 1].end) throw Problems.field(`periods/${i}`, 'periods must not overlap');
    });
    if (body.weekendDays.length === 7) throw Problems.field('weekendDays', 'a unit needs at least one working day');
    const [row] = await this.runtime.dataSource.query(
      `INSERT INTO unit_calendars (unit_id, periods, weekend_days, holidays, changed_by, changed_at) VALUES ($1, $2::jsonb, $3, $4, $5, now())
       ON CONFLICT (unit_id) DO UPDATE SET periods = EXCLUDED.periods, weekend_days = EXCLUDED.weekend_days, holidays = EXCLUDED.holidays,
         changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at
       RETURNING unit_id, periods, weekend_days, holidays, changed_by, changed_at`,
      [unitId, JSON.stringify(periods), body.weekendDays, body.holidays, principal.username],
    );
    this.calendars.forget();
    return present(row);
  }

  /** Back to the organisation's calendar. */
  @Delete(':unitId')
  @HttpCode(204)
  async remove(@Param('unitId') unitId: string, @CurrentPrincipal() principal: Principal) {
    if (!hasRole(principal, 'admin')) throw Problems.forbidden('Only administrators set unit calendars.');
    const [, count] = await this.runtime.dataSource.query(`DELETE FROM unit_calendars WHERE unit_id = $1`, [unitId]);
    if (count === 0) throw Problems.notFound('A calendar of this unit');
    this.calendars.forget();
  }
}

function present(r: { unit_id: string; periods: { start: number; end: number }[]; weekend_days: number[]; holidays: boolean; changed_by: string; changed_at: Date }) {
  return {
    unitId: r.unit_id,
    periods: r.periods.map((p) => ({ start: clockTime(p.start), end: clockTime(p.end) })),
    weekendDays: r.weekend_days,
    holidays: r.holidays,
    changedBy: r.changed_by,
    changedAt: r.changed_at,
  };
}
