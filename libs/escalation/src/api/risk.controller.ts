import { Controller, Get, Inject, Param, ParseUUIDPipe, Query, UseGuards } from '@nestjs/common';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, casesAbove, CurrentPrincipal, Problems, ServiceRuntime } from '@duban/service-defaults';
import { parseRiskCursor, RiskBoard } from '../infrastructure/risk-board';

const OVERSIGHT = ['supervisor', 'dispatcher', 'assessor', 'admin'] as const;

/**
 * Early warning (预警): the risk that each open case misses its limit; oversight roles see every
 * unit, a unit its own cases (a unit head also the units below). The board is read a page at a
 * time (`limit`, `cursor` from the previous page's `next`) from the scores the scorer keeps, so a
 * call costs its page; `/{caseId}` scores one case as it is now.
 */
@Controller('api/v1/risk')
@UseGuards(BearerAuthGuard)
export class RiskController {
  constructor(
    @Inject(RiskBoard) private readonly risk: RiskBoard,
    @Inject(ServiceRuntime) private readonly runtime: ServiceRuntime,
  ) {}

  @Get()
  async board(
    @Query('unitId') unitId: string | undefined,
    @Query('flagged') flagged: string | undefined,
    @Query('limit') limit: string | undefined,
    @Query('cursor') cursor: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    if (flagged !== undefined && flagged !== 'true' && flagged !== 'false') throw Problems.field('flagged', 'true or false');
    const n = limit === undefined ? 200 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw Problems.field('limit', 'a whole number from 1 to 1000');
    const after = cursor === undefined ? undefined : parseRiskCursor(cursor);
    if (cursor !== undefined && !after) throw Problems.field('cursor', 'the next value of a previous page');
    const unit = this.unitFor(principal, unitId);
    const hidden = await casesAbove(this.runtime.dataSource, principal);
    // A unit head sees the units below theirs too.
    const subtree = !hasRole(principal, ...OVERSIGHT) && hasRole(principal, 'unit-head');
    return this.risk.board({ unitId: unit, subtree, flagged: flagged === 'true', limit: n, hidden, after });
  }

  @Get(':caseId')
  async one(
    @Param('caseId', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('This case') })) caseId: string,
    @CurrentPrincipal() principal: Principal,
  ) {
    const row = await this.risk.forCase(caseId);
    if (!row || (!hasRole(principal, ...OVERSIGHT) && row.unitId !== principal.unitId)) throw Problems.notFound('An open case with a time limit');
    return row;
  }

  private unitFor(principal: Principal, unitId: string | undefined): string | null {
    if (hasRole(principal, ...OVERSIGHT)) return unitId ?? null;
    if (!principal.unitId || !hasRole(principal, 'handler', 'unit-head')) throw Problems.forbidden('Only oversight roles and units see early warnings.');
    if (unitId && unitId !== principal.unitId) throw Problems.forbidden(`A unit sees its own early warnings (${principal.unitId}).`);
    return principal.unitId;
  }
}
