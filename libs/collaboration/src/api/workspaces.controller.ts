import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { BearerAuthGuard, CurrentPrincipal, ServiceRuntime } from '@duban/service-defaults';
import { Principal } from '@duban/auth';

@Controller('api/v1/workspaces')
@UseGuards(BearerAuthGuard)
export class WorkspacesController {
  constructor(@Inject(ServiceRuntime) private readonly runtime: ServiceRuntime) {}

  /** The handling workspaces of the caller's unit, newest first. */
  @Get()
  async mine(@CurrentPrincipal() principal: Principal) {
    const workspaces = principal.unitId
      ? await this.runtime.dataSource.query(
          `SELECT id, case_id AS "caseId", unit_id AS "unitId", handler, state, opened_at AS "openedAt"
             FROM workspaces WHERE unit_id = $1 ORDER BY opened_at DESC LIMIT 100`,
          [principal.unitId],
        )
      : [];
    return { unitId: principal.unitId, workspaces };
  }
}
