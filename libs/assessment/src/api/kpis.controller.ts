import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { UnitCode } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe, ServiceRuntime } from '@duban/service-defaults';
import { addCounters, efficiencyIndex, IndexWeights, isDay, kpis, onTimeRateNow, Period, periodRange, rankUnits, zeroCounters } from '../domain/kpi';
import { UnitDays } from '../infrastructure/unit-days';

export const KPI_WEIGHTS = Symbol('KPI_WEIGHTS');
const PERIODS: readonly Period[] = ['day', 'week', 'month', 'quarter', 'year'];
const OVERSIGHT = ['assessor', 'supervisor', 'admin'] as const;

/** Unit KPIs for any period, the efficiency index and the ranking of units (考核). */
@Controller('api/v1/assessment')
@UseGuards(BearerAuthGuard)
export class KpisController {
  constructor(
    @Inject(ServiceRuntime) private readonly runtime: ServiceRuntime,
    @Inject(UnitDays) private readonly days: UnitDays,
    @Inject(KPI_WEIGHTS) private readonly weights: IndexWeights,
  ) {}

  /** One unit's counters, KPIs and efficiency index for the period containing `at` (default today). */
  @Get('units/:unitId/kpis')
  async unit(
    @Param('unitId', new SchemaPipe(UnitCode)) unitId: string,
    @Query('period') period: string | undefined,
    @Query('at') at: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    if (principal.unitId !== unitId && !hasRole(principal, ...OVERSIGHT)) throw Problems.forbidden("You may see your own unit's figures only.");
    const range = this.range(period, at);
    const counters = (await this.days.sum(this.runtime.dataSource, range.from, range.to, unitId)).get(unitId) ?? zeroCounters();
    const k = kpis(counters);
    // For the period running now: the on-time rate as the city's 311 systems count it, open cases within their limit included.
    const today = this.days.today(new Date());
    const open = range.from <= today && today <= range.to ? ((await this.days.openWithinLimit(this.runtime.dataSource, new Date(), unitId)).get(unitId) ?? 0) : null;
    return {
      unitId,
      period: range.period,
      from: range.from,
      to: range.to,
      counters,
      kpis: k,
      efficiencyIndex: efficiencyIndex(k, this.weights),
      weights: this.weights,
      openWithinLimit: open,
      onTimeRateNow: open === null ? null : onTimeRateNow(counters, open),
    };
  }

  /** Every unit with activity in the period, ranked by efficiency index; more than 15 % from the mean is flagged. */
  @Get('rankings')
  async rankings(@Query('period') period: string | undefined, @Query('at') at: string | undefined, @CurrentPrincipal() principal: Principal) {
    if (!hasRole(principal, ...OVERSIGHT)) throw Problems.forbidden('Rankings are for assessors and supervisors.');
    const range = this.range(period, at);
    const all = await this.days.sum(this.runtime.dataSource, range.from, range.to);
    const rows = [...all].map(([unitId, counters]) => ({ unitId, counters, kpis: kpis(counters) }));
    const ranked = rankUnits(rows.map((r) => ({ unitId: r.unitId, index: efficiencyIndex(r.kpis, this.weights) })));
    const byUnit = new Map(rows.map((r) => [r.unitId, r]));
    return {
      period: range.period,
      from: range.from,
      to: range.to,
      weights: this.weights,
      units: ranked.map((r) => ({ ...r, kpis: byUnit.get(r.unitId)!.kpis, assigned: byUnit.get(r.unitId)!.counters.assigned })),
      // The whole organisation in the period: every unit's counters added up (the board's KPI tiles).
      total: (() => {
        const sum = addCounters(rows.map((r) => r.counters));
        const k = kpis(sum);
        return { assigned: sum.assigned, kpis: k, index: efficiencyIndex(k, this.weights) };
      })(),
    };
  }

  /** One person's counters, KPIs and index: the person, the head of their unit, assessors and supervisors. */
  @Get('people/:username/kpis')
  async person(
    @Param('username') username: string,
    @Query('period') period: string | undefined,
    @Query('at') at: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(username)) throw Problems.notFound('This person');
    const range = this.range(period, at);
    const found = (await this.days.sumPeople(this.runtime.dataSource, range.from, range.to, { username })).get(username);
    const mayRead = principal.username === username || hasRole(principal, ...OVERSIGHT) || (found && hasRole(principal, 'unit-head') && principal.unitId === found.unitId);
    if (!mayRead) throw Problems.forbidden("You may see your own figures, or your unit's people as its head.");
    const counters = found?.counters ?? zeroCounters();
    const k = kpis(counters);
    return { username, unitId: found?.unitId ?? null, period: range.period, from: range.from, to: range.to, counters, kpis: k, efficiencyIndex: efficiencyIndex(k, this.weights) };
  }

  /** The people of a unit ranked by efficiency index (its head, assessors, supervisors). */
  @Get('units/:unitId/people')
  async people(
    @Param('unitId', new SchemaPipe(UnitCode)) unitId: string,
    @Query('period') period: string | undefined,
    @Query('at') at: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    if (!hasRole(principal, ...OVERSIGHT) && !(hasRole(principal, 'unit-head') && principal.unitId === unitId)) throw Problems.forbidden("A unit's people are seen by its head, assessors and supervisors.");
    const range = this.range(period, at);
    const all = await this.days.sumPeople(this.runtime.dataSource, range.from, range.to, { unitId });
    const rows = [...all].map(([username, v]) => ({ username, counters: v.counters, kpis: kpis(v.counters) }));
    const ranked = rankUnits(rows.map((r) => ({ unitId: r.username, index: efficiencyIndex(r.kpis, this.weights) })));
    const byName = new Map(rows.map((r) => [r.username, r]));
    return {
      unitId,
      period: range.period,
      from: range.from,
      to: range.to,
      people: ranked.map(({ unitId: username, ...r }) => ({ username, ...r, kpis: byName.get(username)!.kpis, counters: byName.get(username)!.counters })),
    };
  }

  private range(period: string | undefined, at: string | undefined): { period: Period; from: string; to: string } {
    const p = (period ?? 'month') as Period;
    if (!PERIODS.includes(p)) throw Problems.field('period', `one of ${PERIODS.join(', ')}`);
    if (at !== undefined && !isDay(at)) throw Problems.field('at', 'a date as YYYY-MM-DD');
    return { period: p, ...periodRange(p, at ?? this.days.today(new Date())) };
  }
}
