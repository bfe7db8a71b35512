import { Body, Controller, Get, Inject, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { RevisitRequest } from '@duban/contracts';
import { Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe, CaseScoped } from '@duban/service-defaults';
import { Revisits } from '../application/revisits';

const STATES = ['scheduled', 'done', 'cancelled'];

/** Revisits (回访) for revisit staff: what is due, and what each call back found. */
@Controller('api/v1/assessment/revisits')
@CaseScoped({ param: 'id', caseOf: 'SELECT case_id FROM revisits WHERE id = $1' })
@UseGuards(BearerAuthGuard)
export class RevisitsController {
  constructor(@Inject(Revisits) private readonly revisits: Revisits) {}

  @Get()
  async list(
    @Query('state') state: string | undefined,
    @Query('due') due: string | undefined,
    @Query('caseId') caseId: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    if (state !== undefined && !STATES.includes(state)) throw Problems.field('state', `one of ${STATES.join(', ')}`);
    if (due !== undefined && due !== 'true' && due !== 'false') throw Problems.field('due', 'true or false');
    if (caseId !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(caseId)) throw Problems.field('caseId', 'a case id');
    return { revisits: await this.revisits.list(principal, { state, due: due === 'true', caseId }) };
  }

  @Post(':id')
  record(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('This revisit') })) id: string,
    @Body(new SchemaPipe(RevisitRequest)) body: RevisitRequest,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.revisits.record(principal, id, body);
  }
}
