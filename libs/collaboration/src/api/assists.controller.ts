import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { AssistCancelRequest, AssistDeclineRequest, AssistExtensionDecision, AssistExtensionRequest, AssistReplyRequest, CosignDecisionRequest } from '@duban/contracts';
import { BearerAuthGuard, CurrentPrincipal, NoBodyPipe, Problems, SchemaPipe, CaseScoped } from '@duban/service-defaults';
import { Principal } from '@duban/auth';
import { Cooperation } from '../application/cooperation';
import { Clock, CLOCK } from '../application/clock';

const assistId = new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('Cooperation request') });
const cosignId = new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('Co-sign round') });

/** Cooperation requests (配合): the invited unit replies, declines or asks for time; the lead unit decides, reminds or cancels. */
@Controller('api/v1/assists')
@CaseScoped({ param: 'id', caseOf: 'SELECT case_id FROM assists WHERE id = $1' })
@UseGuards(BearerAuthGuard)
export class AssistsController {
  constructor(
    @Inject(Cooperation) private readonly cooperation: Cooperation,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The requests addressed to the caller's unit, open first. */
  @Get()
  mine(@CurrentPrincipal() principal: Principal) {
    return this.cooperation.assistsForMyUnit(principal);
  }

  @Post(':id/reply')
  @HttpCode(200)
  reply(@Param('id', assistId) id: string, @Body(new SchemaPipe(AssistReplyRequest)) body: AssistReplyRequest, @CurrentPrincipal() principal: Principal) {
    return this.cooperation.replyAssist(principal, id, body, this.clock.now());
  }

  @Post(':id/decline')
  @HttpCode(200)
  decline(@Param('id', assistId) id: string, @Body(new SchemaPipe(AssistDeclineRequest)) body: AssistDeclineRequest, @CurrentPrincipal() principal: Principal) {
    return this.cooperation.declineAssist(principal, id, body.reason, this.clock.now());
  }

  @Post(':id/extension')
  @HttpCode(200)
  askExtension(@Param('id', assistId) id: string, @Body(new SchemaPipe(AssistExtensionRequest)) body: AssistExtensionRequest, @CurrentPrincipal() principal: Principal) {
    return this.cooperation.askExtension(principal, id, body, this.clock.now());
  }

  @Post(':id/extension/decision')
  @HttpCode(200)
  decideExtension(@Param('id', assistId) id: string, @Body(new SchemaPipe(AssistExtensionDecision)) body: AssistExtensionDecision, @CurrentPrincipal() principal: Principal) {
    return this.cooperation.decideExtension(principal, id, body, this.clock.now());
  }

  @Post(':id/remind')
  @HttpCode(200)
  remind(@Param('id', assistId) id: string, @Body(NoBodyPipe) _body: undefined, @CurrentPrincipal() principal: Principal) {
    return this.cooperation.remind(principal, id, this.clock.now());
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param('id', assistId) id: string, @Body(new SchemaPipe(AssistCancelRequest)) body: AssistCancelRequest, @CurrentPrincipal() principal: Principal) {
    return this.cooperation.cancelAssist(principal, id, body.reason, this.clock.now());
  }
}

/** Co-sign rounds (会签): each listed unit approves or rejects, with a reason, once. */
@Controller('api/v1/cosigns')
@CaseScoped({ param: 'id', caseOf: 'SELECT case_id FROM cosigns WHERE id = $1' })
@UseGuards(BearerAuthGuard)
export class CosignsController {
  constructor(
    @Inject(Cooperation) private readonly cooperation: Cooperation,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Rounds in which the caller's unit still has to decide. */
  @Get()
  pending(@CurrentPrincipal() principal: Principal) {
    return this.cooperation.cosignsForMyUnit(principal);
  }

  @Post(':id/decision')
  @HttpCode(200)
  decide(@Param('id', cosignId) id: string, @Body(new SchemaPipe(CosignDecisionRequest)) body: CosignDecisionRequest, @CurrentPrincipal() principal: Principal) {
    return this.cooperation.decideCosign(principal, id, body, this.clock.now());
  }
}
