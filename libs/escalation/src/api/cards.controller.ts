import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { newEvent, RectificationClosed, RectificationCloseRequest } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe, ServiceRuntime, clearedCases } from '@duban/service-defaults';

/** Cards (黄牌 / 红牌) and rectifications (整改) of units: supervisors and assessors see all, a unit its own. */
@Controller('api/v1')
@UseGuards(BearerAuthGuard)
export class CardsController {
  constructor(@Inject(ServiceRuntime) private readonly runtime: ServiceRuntime) {}

  @Get('cards')
  async cards(@Query('unitId') unitId: string | undefined, @CurrentPrincipal() principal: Principal) {
    const unit = this.unitFor(principal, unitId);
    const params: unknown[] = [unit];
    // A card names its case: one about a case above the reader's clearance is left out.
    const cleared = clearedCases(principal, 'unit_cards.case_id', params);
    const cards = await this.runtime.dataSource.query(
      `SELECT id, unit_id AS "unitId", case_id AS "caseId", clock_id AS "clockId", kind, reason, issued_at AS "issuedAt"
         FROM unit_cards WHERE ($1::text IS NULL OR unit_id = $1) AND ${cleared} ORDER BY seq DESC LIMIT 500`,
      params,
    );
    return { cards };
  }

  @Get('rectifications')
  async rectifications(@Query('unitId') unitId: string | undefined, @CurrentPrincipal() principal: Principal) {
    const unit = this.unitFor(principal, unitId);
    const rectifications = await this.runtime.dataSource.query(
      `SELECT id, unit_id AS "unitId", started_at AS "startedAt", reason, card_ids AS "cardIds", status, closed_at AS "closedAt", closed_by AS "closedBy", summary
         FROM unit_rectifications WHERE ($1::text IS NULL OR unit_id = $1) ORDER BY started_at DESC LIMIT 500`,
      [unit],
    );
    return { rectifications };
  }

  /** A supervisor closes a rectification with what the unit changed; the next two yellow cards can start a new one. */
  @Post('rectifications/:id/close')
  @HttpCode(200)
  async close(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('Rectification') })) id: string,
    @Body(new SchemaPipe(RectificationCloseRequest)) body: RectificationCloseRequest,
    @CurrentPrincipal() principal: Principal,
  ) {
    if (!hasRole(principal, 'supervisor')) throw Problems.forbidden('Supervisors close rectifications.');
    return this.runtime.dataSource.transaction(async (tx) => {
      const [r] = await tx.query(`SELECT id, unit_id, status, card_ids FROM unit_rectifications WHERE id = $1 FOR UPDATE`, [id]);
      if (!r) throw Problems.notFound('Rectification');
      if (r.status !== 'open') throw Problems.conflict('The rectification is closed already.');
      const now = new Date();
      await tx.query(`UPDATE unit_rectifications SET status = 'closed', closed_at = $2, closed_by = $3, summary = $4 WHERE id = $1`, [id, now, principal.username, body.summary]);
      const [card] = await tx.query(`SELECT case_id FROM unit_cards WHERE id = $1`, [r.card_ids[r.card_ids.length - 1]]);
      await enqueue(tx, this.runtime.topic, [
        newEvent(RectificationClosed, { caseId: card.case_id, unitId: r.unit_id, occurredAt: now, data: { rectificationId: id, unitId: r.unit_id, by: principal.username, summary: body.summary } }),
      ]);
      return { id, unitId: r.unit_id, status: 'closed', closedAt: now, closedBy: principal.username, summary: body.summary };
    });
  }

  private unitFor(principal: Principal, unitId: string | undefined): string | null {
    if (hasRole(principal, 'supervisor', 'assessor', 'dispatcher', 'admin')) return unitId ?? null;
    if (!principal.unitId || !hasRole(principal, 'handler', 'unit-head')) throw Problems.forbidden('Only supervisors, assessors and units see cards.');
    if (unitId !== undefined && unitId !== principal.unitId) throw Problems.forbidden('A unit sees its own cards.');
    return principal.unitId;
  }
}
