import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { newEvent, SupervisionOrdered, SupervisionOrderRequest, SupervisionReplied, SupervisionReplyRequest } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe, ServiceRuntime, CaseScoped, clearedCases } from '@duban/service-defaults';
import { randomUUID } from 'node:crypto';
import { CalendarProvider } from '../infrastructure/calendar-provider';
import { startClock, stopTimers } from '../infrastructure/clocks';
import { LIGHTS } from '../infrastructure/lights-config';

const ORDER_COLUMNS = `id, case_id AS "caseId", unit_id AS "unitId", clock_id AS "clockId", issued_by AS "issuedBy", issued_at AS "issuedAt",
  reason, due_at AS "dueAt", reply_required AS "replyRequired", status, reply, replied_by AS "repliedBy", replied_at AS "repliedAt"`;
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
      const [unit] = await tx.query('SELECT unit_id FROM case_units WHERE case_id = $1 FOR UPDATE', [body.caseId]);
      if (!unit) throw Problems.field('caseId', 'no assigned case has this id');
      const [tier] = await tx.query('SELECT tier FROM case_tiers WHERE case_id = $1', [body.caseId]);
      // The order's limit is the supervisor's exact due time (elapsed), with its own lights.
      const policy = { id: `supervision-order:${id}`.slice(0, 100), stage: 'supervision' as const, minutes: (due.getTime() - now.getTime()) / 60_000, basis: 'elapsed' as const };
      const clockId = await startClock(tx, this.runtime.topic, calendar, policy, { caseId: body.caseId, unitId: unit.unit_id, tier: tier?.tier ?? 'general', startedAt: now }, this.lights);
      const replyRequired = body.replyRequired ?? true;
      await tx.query(
        `INSERT INTO supervision_orders (id, case_id, unit_id, clock_id, issued_by, issued_at, reason, due_at, reply_required) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [id, body.caseId, unit.unit_id, clockId, principal.username, now, body.reason, due, replyRequired],
      );
      await enqueue(tx, this.runtime.topic, [
        newEvent(SupervisionOrdered, {
          caseId: body.caseId,
          unitId: unit.unit_id,
          occurredAt: now,
          data: { orderId: id, unitId: unit.unit_id, by: principal.username, reason: body.reason, dueAt: due.toISOString(), replyRequired },
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
    const params: unknown[] = [caseId ?? null, status ?? null, everyone, principal.unitId];
    const cleared = clearedCases(principal, 'supervision_orders.case_id', params);
    const orders = await this.runtime.dataSource.query(
      `SELECT ${ORDER_COLUMNS} FROM supervision_orders
        WHERE ($1::uuid IS NULL OR case_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3 OR unit_id = $4) AND ${cleared}
        ORDER BY due_at LIMIT 500`,
      params,
    );
    return { orders };
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
      const [order] = await tx.query('SELECT case_id, unit_id, clock_id, status, due_at FROM supervision_orders WHERE id = $1 FOR UPDATE', [id]);
      const ofTheUnit = order && principal.unitId === order.unit_id && hasRole(principal, 'handler', 'unit-head');
      if (!order || !(ofTheUnit || hasRole(principal, 'admin'))) throw Problems.notFound('This supervision order');
      if (order.status !== 'open') throw Problems.conflict('This supervision order has been replied to already.');
      const now = new Date();
      await tx.query(`UPDATE supervision_orders SET status = 'replied', reply = $2, replied_by = $3, replied_at = $4 WHERE id = $1`, [id, body.reply, principal.username, now]);
      await tx.query(`UPDATE sla_clocks SET state = 'met' WHERE id = $1 AND state = 'running'`, [order.clock_id]);
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

  private async find(id: string) {
    const [order] = await this.runtime.dataSource.query(`SELECT ${ORDER_COLUMNS} FROM supervision_orders WHERE id = $1`, [id]);
    return order;
  }
}
