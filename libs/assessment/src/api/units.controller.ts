import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
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
}
