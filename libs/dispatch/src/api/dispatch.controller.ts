import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe, ServiceRuntime } from '@duban/service-defaults';
import { DesignateLeadRequest, ReassignRequest, ReturnRequest } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { Dispatcher } from '../application/dispatcher';
import { COORDINATOR_UNIT } from '../domain/routing';
import { DispatchRepository } from '../infrastructure/dispatch.repository';

const caseIdPipe = () => new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('This case') });

@Controller('api/v1')
@UseGuards(BearerAuthGuard)
export class DispatchController {
  constructor(
    @Inject(DispatchRepository) private readonly repository: DispatchRepository,
    @Inject(Dispatcher) private readonly dispatcher: Dispatcher,
    @Inject(ServiceRuntime) private readonly runtime: ServiceRuntime,
  ) {}

  /** Every assignment of a case and every return, with the rule and reason that explain each. Staff only. */
  @Get('assignments/:caseId')
  async assignments(@Param('caseId', caseIdPipe()) caseId: string, @CurrentPrincipal() principal: Principal) {
    const rows = await this.repository.assignmentsOf(caseId);
    const staff = hasRole(principal, 'dispatcher', 'supervisor', 'admin') || principal.unitId === COORDINATOR_UNIT;
    const visible = staff || rows.some((r) => r.unitId === principal.unitId);
    if (rows.length === 0 || !visible) throw Problems.notFound('This case');
    return { caseId, assignments: rows, returns: await this.repository.returnsOf(this.repository.db, caseId) };
  }

  /** 退回: the responsible unit says the case is not theirs; dispatch routes it again or to the coordinator. */
  @Post('assignments/:caseId/return')
  @HttpCode(200)
  async returnCase(
    @Param('caseId', caseIdPipe()) caseId: string,
    @Body(new SchemaPipe(ReturnRequest)) body: ReturnRequest,
    @CurrentPrincipal() principal: Principal,
  ) {
    const assignment = await this.dispatcher.returnCase(caseId, principal, body.reason);
    this.runtime.relay.wake();
    return assignment;
  }

  /** A dispatcher or supervisor moves the case to another unit or person, with a reason (audited). */
  @Post('assignments/:caseId/reassign')
  @HttpCode(200)
  async reassign(
    @Param('caseId', caseIdPipe()) caseId: string,
    @Body(new SchemaPipe(ReassignRequest)) body: ReassignRequest,
    @CurrentPrincipal() principal: Principal,
  ) {
    const assignment = await this.dispatcher.reassign(caseId, principal, body);
    this.runtime.relay.wake();
    return assignment;
  }

  /** 指定牵头单位: the coordinator designates the lead unit of a case in its queue. */
  @Post('assignments/:caseId/designate-lead')
  @HttpCode(200)
  async designateLead(
    @Param('caseId', caseIdPipe()) caseId: string,
    @Body(new SchemaPipe(DesignateLeadRequest)) body: DesignateLeadRequest,
    @CurrentPrincipal() principal: Principal,
  ) {
    const assignment = await this.dispatcher.designateLead(caseId, principal, body);
    this.runtime.relay.wake();
    return assignment;
  }

  /** The coordinator queue: cases no rule could route, or returned twice, waiting for a lead unit. */
  @Get('coordination-queue')
  async coordinationQueue(@CurrentPrincipal() principal: Principal) {
    if (!(hasRole(principal, 'dispatcher', 'supervisor', 'admin') || principal.unitId === COORDINATOR_UNIT)) {
      throw Problems.forbidden('Only the supervision office, dispatchers and supervisors see the coordinator queue.');
    }
    return { cases: await this.repository.coordinationQueue(principal) };
  }
}
