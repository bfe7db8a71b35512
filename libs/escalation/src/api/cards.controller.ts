import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, ServiceRuntime } from '@duban/service-defaults';

/** Cards (黄牌 / 红牌) and rectifications (整改) of units: supervisors and assessors see all, a unit its own. */
@Controller('api/v1')
@UseGuards(BearerAuthGuard)
export class CardsController {
  constructor(@Inject(ServiceRuntime) private readonly runtime: ServiceRuntime) {}

  @Get('cards')
  async cards(@Query('unitId') unitId: string | undefined, @CurrentPrincipal() principal: Principal) {
    const unit = this.unitFor(principal, unitId);
    const cards = await this.runtime.dataSource.query(
      `SELECT id, unit_id AS "unitId", case_id AS "caseId", clock_id AS "clockId", kind, reason, issued_at AS "issuedAt"
         FROM unit_cards WHERE ($1::text IS NULL OR unit_id = $1) ORDER BY seq DESC LIMIT 500`,
      [unit],
    );
    return { cards };
  }

  @Get('rectifications')
  async rectifications(@Query('unitId') unitId: string | undefined, @CurrentPrincipal() principal: Principal) {
    const unit = this.unitFor(principal, unitId);
    const rectifications = await this.runtime.dataSource.query(
      `SELECT id, unit_id AS "unitId", started_at AS "startedAt", reason, card_ids AS "cardIds", status
         FROM unit_rectifications WHERE ($1::text IS NULL OR unit_id = $1) ORDER BY started_at DESC LIMIT 500`,
      [unit],
    );
    return { rectifications };
  }

  private unitFor(principal: Principal, unitId: string | undefined): string | null {
    if (hasRole(principal, 'supervisor', 'assessor', 'dispatcher', 'admin')) return unitId ?? null;
    if (!principal.unitId || !hasRole(principal, 'handler', 'unit-head')) throw Problems.forbidden('Only supervisors, assessors and units see cards.');
    if (unitId !== undefined && unitId !== principal.unitId) throw Problems.forbidden('A unit sees its own cards.');
    return principal.unitId;
  }
}
