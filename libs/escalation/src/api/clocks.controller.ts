import { Controller, Get, Inject, Param, ParseUUIDPipe, UseGuards } from '@nestjs/common';
import { BearerAuthGuard, CurrentPrincipal, Problems, ServiceRuntime } from '@duban/service-defaults';
import { hasRole, Principal } from '@duban/auth';

@Controller('api/v1/clocks')
@UseGuards(BearerAuthGuard)
export class ClocksController {
  constructor(@Inject(ServiceRuntime) private readonly runtime: ServiceRuntime) {}

  /** The time limits of a case, for its units and for supervisors; a paused clock has no due time, only what it has left. */
  @Get(':caseId')
  async clocks(
    @Param('caseId', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('This case') })) caseId: string,
    @CurrentPrincipal() principal: Principal,
  ) {
    const clocks: { id: string; unitId: string; lights?: { light: string; at: string; fired: boolean }[] }[] = await this.runtime.dataSource.query(
      `SELECT id, case_id AS "caseId", unit_id AS "unitId", stage, tier, policy, basis, ref, started_at AS "startedAt",
              CASE WHEN paused_at IS NULL THEN due_at END AS "dueAt", state, paused_at AS "pausedAt",
              held_due::float8 AS "remainingMinutes", paused_ms::float8 / 60000 AS "pausedMinutes"
         FROM sla_clocks WHERE case_id = $1 ORDER BY started_at`,
      [caseId],
    );
    const visible = hasRole(principal, 'supervisor', 'dispatcher', 'assessor', 'admin') || clocks.some((c) => c.unitId === principal.unitId);
    if (clocks.length === 0 || !visible) throw Problems.notFound('This case');
    // When each light of a running clock changes (fired or still to come), so a client shows the
    // light of any moment without asking again; a paused clock's timers wait for its resume.
    const timers: { clockId: string; light: string; at: string; fired: boolean }[] = await this.runtime.dataSource.query(
      `SELECT clock_id AS "clockId", light, fire_at AS at, fired_at IS NOT NULL AS fired
         FROM clock_timers WHERE clock_id = ANY($1::uuid[]) ORDER BY fire_at`,
      [clocks.map((c) => c.id)],
    );
    for (const clock of clocks) clock.lights = timers.filter((t) => t.clockId === clock.id).map(({ light, at, fired }) => ({ light, at, fired }));
    const [supervision] = await this.runtime.dataSource.query('SELECT level, since FROM case_supervision WHERE case_id = $1', [caseId]);
    return { caseId, supervisionLevel: supervision?.level ?? 'department', supervisionLevelSince: supervision?.since ?? null, clocks };
  }
}
