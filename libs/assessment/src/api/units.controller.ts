import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { UnitCode } from '@duban/contracts';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe, ServiceRuntime } from '@duban/service-defaults';
import { hasRole, Principal } from '@duban/auth';

@Controller('api/v1/assessment/units')
@UseGuards(BearerAuthGuard)
export class UnitsController {
  constructor(@Inject(ServiceRuntime) private readonly runtime: ServiceRuntime) {}

  /** Open-case counts of every unit (assessors, supervisors) — the start of the unit board. */
  @Get()
  async all(@CurrentPrincipal() principal: Principal) {
    if (!hasRole(principal, 'assessor', 'supervisor', 'admin')) throw Problems.forbidden('Unit figures are for assessors and supervisors.');
    const units = await this.runtime.dataSource.query(
      'SELECT unit_id AS "unitId", count(*)::int AS "openCases" FROM open_cases GROUP BY unit_id ORDER BY unit_id',
    );
    return { units };
  }

  /** One unit's open cases: its own staff, assessors and supervisors. */
  @Get(':unitId')
  async one(@Param('unitId', new SchemaPipe(UnitCode)) unitId: string, @CurrentPrincipal() principal: Principal) {
    if (principal.unitId !== unitId && !hasRole(principal, 'assessor', 'supervisor', 'admin')) {
      throw Problems.forbidden("You may see your own unit's figures only.");
    }
    const [row] = await this.runtime.dataSource.query('SELECT count(*)::int AS n FROM open_cases WHERE unit_id = $1', [unitId]);
    return { unitId, openCases: row.n };
  }

  /**
   * A unit's months: resolutions, ratings, satisfaction (0–100, the mean score of its ratings, defaults
   * included) and rebounds, read from the roll-up kept from events. `from` / `to` are YYYY-MM (default: the last 12 months).
   */
  @Get(':unitId/months')
  async months(
    @Param('unitId', new SchemaPipe(UnitCode)) unitId: string,
    @Query('from') from: string | undefined,
    @Query('to') to: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    if (principal.unitId !== unitId && !hasRole(principal, 'assessor', 'supervisor', 'admin')) {
      throw Problems.forbidden("You may see your own unit's figures only.");
    }
    const month = /^\d{4}-(0[1-9]|1[0-2])$/;
    if (from !== undefined && !month.test(from)) throw Problems.field('from', 'a month as YYYY-MM');
    if (to !== undefined && !month.test(to)) throw Problems.field('to', 'a month as YYYY-MM');
    if (from && to && from > to) throw Problems.field('to', 'not before from');
    const rows = await this.runtime.dataSource.query(
      `SELECT to_char(month, 'YYYY-MM') AS month, resolved, ratings, defaulted, rebounds,
              CASE WHEN ratings > 0 THEN round(score_sum::numeric / ratings, 1)::float8 END AS satisfaction,
              CASE WHEN resolved > 0 THEN round(rebounds::numeric / resolved, 4)::float8 END AS "reboundRate"
         FROM unit_months
        WHERE unit_id = $1 AND month >= COALESCE(to_date($2, 'YYYY-MM'), date_trunc('month', now() - interval '11 months')::date)
          AND month <= COALESCE(to_date($3, 'YYYY-MM'), date_trunc('month', now())::date)
        ORDER BY month`,
      [unitId, from ?? null, to ?? null],
    );
    return { unitId, months: rows };
  }
}
