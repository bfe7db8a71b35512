import { Controller, Get, Inject, Param, ParseUUIDPipe, UseGuards } from '@nestjs/common';
import { BearerAuthGuard, CurrentPrincipal, Problems } from '@duban/service-defaults';
import { hasRole, Principal } from '@duban/auth';
import { DispatchRepository } from '../infrastructure/dispatch.repository';

@Controller('api/v1')
@UseGuards(BearerAuthGuard)
export class DispatchController {
  constructor(@Inject(DispatchRepository) private readonly repository: DispatchRepository) {}

  /** The unit directory (the tree of responsible units). */
  @Get('units')
  async units() {
    return { units: [...(await this.repository.units()).values()] };
  }

  /** Every assignment of a case, with the rule and reason that explain it. Staff only. */
  @Get('assignments/:caseId')
  async assignments(
    @Param('caseId', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('This case') })) caseId: string,
    @CurrentPrincipal() principal: Principal,
  ) {
    const rows = await this.repository.assignmentsOf(caseId);
    const visible = hasRole(principal, 'dispatcher', 'supervisor', 'admin') || rows.some((r) => r.unitId === principal.unitId);
    if (rows.length === 0 || !visible) throw Problems.notFound('This case');
    return { caseId, assignments: rows };
  }
}
