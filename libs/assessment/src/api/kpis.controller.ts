import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { UnitCode } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe, ServiceRuntime } from '@duban/service-defaults';
import { efficiencyIndex, IndexWeights, isDay, kpis, Period, periodRange, rankUnits, zeroCounters } from '../domain/kpi';
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
    return { unitId, period: range.period, from: range.from, to: range.to, counters, kpis: k, efficiencyIndex: efficiencyIndex(k, this.weights), weights: this.weights };
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
    };
  }

  private range(period: string | undefined, at: string | undefined): { period: Period; from: string; to: string } {
    const p = (period ?? 'month') as Period;
    if (!PERIODS.includes(p)) throw Problems.field('period', `one of ${PERIODS.join(', ')}`);
    if (at !== undefined && !isDay(at)) throw Problems.field('at', 'a date as YYYY-MM-DD');
    return { period: p, ...periodRange(p, at ?? this.days.today(new Date())) };
  }
}
