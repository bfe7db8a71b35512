import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { newEvent, SupervisionOrdered, SupervisionOrderRequest, SupervisionReplied, SupervisionReplyRequest } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe, ServiceRuntime, CaseScoped } from '@duban/service-defaults';
import { randomUUID } from 'node:crypto';
import { CalendarProvider } from '../infrastructure/calendar-provider';
import { startClock, stopTimers } from '../infrastructure/clocks';
import { LIGHTS } from '../infrastructure/lights-config';
import { CaseRecords } from '../infrastructure/case-records';
import { SupervisionOrdersRepository } from '../infrastructure/supervision-orders.repository';

const idPipe = (what: string) => new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound(what) });

/**
 * 督办单: a supervisor puts any case under supervision with a new time limit
 * (its own clock with lights and the warning ladder) and a required reply from
 * the responsible unit.
 */
@Controller('api/v1/supervision-orders')
@CaseScoped({ param: 'id', caseOf: 'SELECT case_id FROM supervision_orders WHERE id = $1' })
@UseGuards(BearerAuthGuard)
export class SupervisionController {
  constructor(
    @Inject(ServiceRuntime) private readonly runtime: ServiceRuntime,
    @Inject(CalendarProvider) private readonly calendars: CalendarProvider,
    @Inject(LIGHTS) private readonly lights: { yellow: number; orange: number },
    @Inject(SupervisionOrdersRepository) private readonly orders: SupervisionOrdersRepository,
    @Inject(CaseRecords) private readonly records: CaseRecords,
  ) {}

  @Post()
  @HttpCode(201)
  @CaseScoped({ body: 'caseId' })
  async order(@Body(new SchemaPipe(SupervisionOrderRequest)) body: SupervisionOrderRequest, @CurrentPrincipal() principal: Principal) {
    if (!hasRole(principal, 'supervisor', 'admin')) throw Problems.forbidden('Only supervisors issue supervision orders.');
    const now = new Date();
    const due = new Date(body.dueAt);
    if (!(due.getTime() > now.getTime() + 60_000)) {
      throw Problems.field('dueAt', 'must lie in the future (at least a minute from now)');
    }
    if (due.getTime() - now.getTime() > 366 * 86_400_000) throw Problems.field('dueAt', 'must lie within a year');
    const calendar = await this.calendars.current();
    const id = randomUUID();
    await this.runtime.dataSource.transaction(async (tx) => {
      const unitId = await this.records.unitForUpdate(tx, body.caseId);
      if (!unitId) throw Problems.field('caseId', 'no assigned case has this id');
      const tier = (await this.records.tier(tx, body.caseId)) ?? 'general';
      // The order's limit is the supervisor's exact due time (elapsed), with its own lights.
      const policy = { id: `supervision-order:${id}`.slice(0, 100), stage: 'supervision' as const, minutes: (due.getTime() - now.getTime()) / 60_000, basis: 'elapsed' as const };
      const clockId = await startClock(tx, this.runtime.topic, calendar, policy, { caseId: body.caseId, unitId, tier, startedAt: now }, this.lights);
      const replyRequired = body.replyRequired ?? true;
      await this.orders.insert(tx, { id, caseId: body.caseId, unitId, clockId, by: principal.username, at: now, reason: body.reason, dueAt: due, replyRequired });
      await enqueue(tx, this.runtime.topic, [
        newEvent(SupervisionOrdered, {
          caseId: body.caseId,
          unitId,
          occurredAt: now,
          data: { orderId: id, unitId, by: principal.username, reason: body.reason, dueAt: due.toISOString(), replyRequired },
        }),
      ]);
    });
    this.runtime.relay.wake();
    return this.find(id);
  }

  @Get()
  async list(@Query('caseId') caseId: string | undefined, @Query('status') status: string | undefined, @CurrentPrincipal() principal: Principal) {
    if (status !== undefined && status !== 'open' && status !== 'replied') throw Problems.field('status', 'must be open or replied');
    if (caseId !== undefined && !/^[0-9a-f-]{36}$/i.test(caseId)) throw Problems.field('caseId', 'must be a case id');
    const everyone = hasRole(principal, 'supervisor', 'dispatcher', 'assessor', 'admin');
    return { orders: await this.orders.list({ caseId, status, everyone }, principal) };
  }

  /** 督办回复: the responsible unit answers; the order's clock is met (or was already breached). */
  @Post(':id/reply')
  @HttpCode(200)
  async reply(
    @Param('id', idPipe('This supervision order')) id: string,
    @Body(new SchemaPipe(SupervisionReplyRequest)) body: SupervisionReplyRequest,
    @CurrentPrincipal() principal: Principal,
  ) {
    await this.runtime.dataSource.transaction(async (tx) => {
      const order = await this.orders.forReply(tx, id);
      const ofTheUnit = order && principal.unitId === order.unit_id && hasRole(principal, 'handler', 'unit-head');
      if (!order || !(ofTheUnit || hasRole(principal, 'admin'))) throw Problems.notFound('This supervision order');
      if (order.status !== 'open') throw Problems.conflict('This supervision order has been replied to already.');
      const now = new Date();
      await this.orders.replied(tx, id, order.clock_id, body.reply, principal.username, now);
      await stopTimers(tx, [order.clock_id]);
      await enqueue(tx, this.runtime.topic, [
        newEvent(SupervisionReplied, {
          caseId: order.case_id,
          unitId: order.unit_id,
          occurredAt: now,
          data: { orderId: id, unitId: order.unit_id, by: principal.username, reply: body.reply, onTime: now <= order.due_at },
        }),
      ]);
    });
    this.runtime.relay.wake();
    return this.find(id);
  }

  private find(id: string) {
    return this.orders.find(id);
  }
}
