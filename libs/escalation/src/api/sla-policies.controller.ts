import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, UseGuards } from '@nestjs/common';
import { SlaPolicyRequest } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe, ServiceRuntime } from '@duban/service-defaults';
import { CONFIGURABLE_POLICIES, policyKey } from '../domain/sla-policy';
import { PolicyProvider } from '../infrastructure/policy-provider';

/**
 * The time limit of each stage and tier (immediate start 2 h, general accept 4 working hours, …):
 * everyone reads them, administrators change them. Clocks started afterwards use the new limit;
 * running clocks keep their due time.
 */
@Controller('api/v1/sla-policies')
@UseGuards(BearerAuthGuard)
export class SlaPoliciesController {
  constructor(
    @Inject(ServiceRuntime) private readonly runtime: ServiceRuntime,
    @Inject(PolicyProvider) private readonly policies: PolicyProvider,
  ) {}

  @Get()
  async list() {
    const overrides = new Map((await this.policies.overrides()).map((o) => [o.key, o]));
    return {
      policies: [...CONFIGURABLE_POLICIES].map(([key, p]) => {
        const o = overrides.get(key);
        return {
          key,
          tier: p.tier ?? null,
          stage: p.stage,
          minutes: o?.minutes ?? p.minutes,
          basis: o?.basis ?? p.basis,
          changed: o !== undefined,
          changedBy: o?.changedBy ?? null,
          changedAt: o?.changedAt ?? null,
          default: { minutes: p.minutes, basis: p.basis },
        };
      }),
    };
  }

  @Put(':key')
  async set(@Param('key') key: string, @Body(new SchemaPipe(SlaPolicyRequest)) body: SlaPolicyRequest, @CurrentPrincipal() principal: Principal) {
    if (!hasRole(principal, 'admin')) throw Problems.forbidden('Only administrators change time limits.');
    const policy = CONFIGURABLE_POLICIES.get(key);
    if (!policy) throw Problems.notFound(`A policy ${key} (known: ${[...CONFIGURABLE_POLICIES.keys()].join(', ')})`);
    const [row] = await this.runtime.dataSource.query(
      `INSERT INTO sla_policy_overrides (key, minutes, basis, changed_by, changed_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (key) DO UPDATE SET minutes = EXCLUDED.minutes, basis = EXCLUDED.basis, changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at
       RETURNING changed_at`,
      [key, body.minutes, body.basis, principal.username],
    );
    this.policies.forget();
    this.runtime.logger.info({ key, minutes: body.minutes, basis: body.basis, by: principal.username }, 'time limit changed');
    return { key: policyKey(policy), tier: policy.tier ?? null, stage: policy.stage, minutes: body.minutes, basis: body.basis, changed: true, changedBy: principal.username, changedAt: row.changed_at, default: { minutes: policy.minutes, basis: policy.basis } };
  }

  /** Back to the default limit. */
  @Delete(':key')
  @HttpCode(204)
  async reset(@Param('key') key: string, @CurrentPrincipal() principal: Principal) {
    if (!hasRole(principal, 'admin')) throw Problems.forbidden('Only administrators change time limits.');
    const [, count] = await this.runtime.dataSource.query(`DELETE FROM sla_policy_overrides WHERE key = $1`, [key]);
    if (count === 0) throw Problems.notFound(`A changed policy ${key}`);
    this.policies.forget();
  }
}
