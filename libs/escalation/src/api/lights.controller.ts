import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { UnitCode } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, casesAbove, CurrentPrincipal, Problems, ServiceRuntime } from '@duban/service-defaults';

const OVERSIGHT = ['supervisor', 'dispatcher', 'assessor', 'admin'] as const;
const LIGHTS = ['green', 'paused', 'yellow', 'orange', 'red'] as const;
type CaseLight = (typeof LIGHTS)[number];

interface LightRow {
  caseId: string;
  unitId: string;
  light: CaseLight;
  dueAt: Date | null;
  supervisionLevel: 'department' | 'organisation';
}

/**
 * The red/yellow/green board (红黄绿灯): the light of every case with a running time limit now —
 * the worst of its clocks (a paused clock is "paused", a clock past its limit red, else the last of
 * its light changes that is due) — and the count of each light per unit. Oversight roles see every
 * unit (or `unitId`), handlers and unit heads their own. Read from the clocks as they are, so a light
 * is right even before the sweeper has announced it.
 */
@Controller('api/v1/lights')
@UseGuards(BearerAuthGuard)
export class LightsController {
  constructor(@Inject(ServiceRuntime) private readonly runtime: ServiceRuntime) {}

  @Get()
  async lights(@Query('unitId') unitId: string | undefined, @CurrentPrincipal() principal: Principal) {
    if (unitId !== undefined && !new RegExp(UnitCode.pattern!).test(unitId)) throw Problems.field('unitId', 'a unit code such as "housing"');
    const unit = this.unitFor(principal, unitId);
    const hidden = await casesAbove(this.runtime.dataSource, principal);
    const rows: LightRow[] = await this.runtime.dataSource.query(
      `WITH clock AS (
         SELECT k.case_id, k.unit_id, k.due_at,
                CASE WHEN k.paused_at IS NOT NULL THEN 2
                     WHEN k.due_at <= now() THEN 5
                     ELSE coalesce((SELECT max(CASE t.light WHEN 'yellow' THEN 3 WHEN 'orange' THEN 4 ELSE 5 END)
                                      FROM clock_timers t WHERE t.clock_id = k.id AND t.fire_at <= now()), 1) END AS rank
           FROM sla_clocks k
          WHERE k.state = 'running' AND ($1::text IS NULL OR k.unit_id = $1))
       SELECT c.case_id AS "caseId", (array_agg(c.unit_id ORDER BY c.rank DESC, c.due_at))[1] AS "unitId", max(c.rank)::int AS rank,
              min(c.due_at) FILTER (WHERE c.rank <> 2) AS "dueAt", coalesce(max(s.level), 'department') AS "supervisionLevel"
         FROM clock c LEFT JOIN case_supervision s ON s.case_id = c.case_id
        GROUP BY c.case_id
        ORDER BY max(c.rank) DESC, min(c.due_at)`,
      [unit],
    );
    const cases = rows
      .filter((r) => !hidden.has(r.caseId))
      .map(({ rank, ...r }: LightRow & { rank?: number }) => ({ ...r, light: LIGHTS[(rank ?? 1) - 1] }));
    const units = new Map<string, Record<CaseLight, number>>();
    for (const c of cases) {
      const counts = units.get(c.unitId) ?? { green: 0, paused: 0, yellow: 0, orange: 0, red: 0 };
      counts[c.light] += 1;
      units.set(c.unitId, counts);
    }
    return {
      at: new Date(),
      cases,
      units: [...units].map(([id, counts]) => ({ unitId: id, ...counts, total: LIGHTS.reduce((n, l) => n + counts[l], 0) })).sort((a, b) => b.red - a.red || b.orange - a.orange || b.total - a.total),
    };
  }

  private unitFor(principal: Principal, unitId: string | undefined): string | null {
    if (hasRole(principal, ...OVERSIGHT)) return unitId ?? null;
    if (!principal.unitId || !hasRole(principal, 'handler', 'unit-head')) throw Problems.forbidden('The light board is for oversight roles and units.');
    if (unitId && unitId !== principal.unitId) throw Problems.forbidden(`A unit sees its own lights (${principal.unitId}).`);
    return principal.unitId;
  }
}
