import { Body, Controller, Get, Headers, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { AssistRequest, CosignRequest, NoteRequest, PauseRequest, ResultRequest, ResultReviewRequest, TaskForceRequest } from '@duban/contracts';
import { BearerAuthGuard, CurrentPrincipal, NoBodyPipe, Problems, SchemaPipe, ServiceRuntime, clearedCases } from '@duban/service-defaults';
import { hasRole, Principal } from '@duban/auth';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mediaType } from '../domain/attachments';
import { Handling } from '../application/handling';
import { Cooperation } from '../application/cooperation';
import { TaskForces } from '../application/task-forces';
import { Clock, CLOCK } from '../application/clock';

const caseIdPipe = new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('Case workspace') });
const idPipe = (what: string) => new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound(what) });

/** The handling workspace of one case (办理): the lead unit's actions, notes, attachments, cooperation, co-signing, task force. */
@Controller('api/v1/workspaces')
@UseGuards(BearerAuthGuard)
export class WorkspacesController {
  constructor(
    @Inject(ServiceRuntime) private readonly runtime: ServiceRuntime,
    @Inject(Handling) private readonly handling: Handling,
    @Inject(Cooperation) private readonly cooperation: Cooperation,
    @Inject(TaskForces) private readonly taskForces: TaskForces,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The handling workspaces of the caller's unit, newest first (?state= to filter). */
  @Get()
  async mine(@CurrentPrincipal() principal: Principal, @Query('state') state: string | undefined) {
    const params: unknown[] = [principal.unitId, state ?? null];
    const cleared = clearedCases(principal, 'workspaces.case_id', params);
    // A unit head sees the workspaces of the units below theirs too (the path each case's copy keeps).
    const mine = hasRole(principal, 'unit-head')
      ? '(workspaces.unit_id = $1 OR EXISTS (SELECT 1 FROM case_confidentiality p WHERE p.case_id = workspaces.case_id AND $1 = ANY (p.unit_path)))'
      : 'workspaces.unit_id = $1';
    const workspaces = principal.unitId
      ? await this.runtime.dataSource.query(
          `SELECT id, case_id AS "caseId", unit_id AS "unitId", handler, state, tier, opened_at AS "openedAt", signed_at AS "signedAt", paused_at AS "pausedAt"
             FROM workspaces WHERE ${mine} AND ($2::text IS NULL OR state = $2) AND ${cleared} ORDER BY opened_at DESC LIMIT 100`,
          params,
        )
      : [];
    return { unitId: principal.unitId, workspaces };
  }

  @Get(':caseId')
  view(@Param('caseId', caseIdPipe) caseId: string, @CurrentPrincipal() principal: Principal) {
    return this.handling.view(principal, caseId);
  }

  /** 决策留痕: every action on the case's workspace, oldest first. */
  @Get(':caseId/trail')
  trail(@Param('caseId', caseIdPipe) caseId: string, @CurrentPrincipal() principal: Principal) {
    return this.handling.trail(principal, caseId);
  }

  @Post(':caseId/sign-for')
  @HttpCode(200)
  signFor(@Param('caseId', caseIdPipe) caseId: string, @Body(NoBodyPipe) _body: undefined, @CurrentPrincipal() principal: Principal) {
    return this.handling.signFor(principal, caseId, this.clock.now());
  }

  @Post(':caseId/pause')
  @HttpCode(200)
  pause(@Param('caseId', caseIdPipe) caseId: string, @Body(new SchemaPipe(PauseRequest)) body: PauseRequest, @CurrentPrincipal() principal: Principal) {
    return this.handling.pause(principal, caseId, body.reason, this.clock.now());
  }

  @Post(':caseId/resume')
  @HttpCode(200)
  resume(@Param('caseId', caseIdPipe) caseId: string, @Body(NoBodyPipe) _body: undefined, @CurrentPrincipal() principal: Principal) {
    return this.handling.resume(principal, caseId, this.clock.now());
  }

  @Post(':caseId/notes')
  @HttpCode(201)
  note(@Param('caseId', caseIdPipe) caseId: string, @Body(new SchemaPipe(NoteRequest)) body: NoteRequest, @CurrentPrincipal() principal: Principal) {
    return this.handling.note(principal, caseId, body, this.clock.now());
  }

  /** Upload one file as the raw body (Content-Type: its type; ?name=the file name); attach it with a note, result or reply. */
  @Post(':caseId/attachments')
  @HttpCode(201)
  upload(
    @Param('caseId', caseIdPipe) caseId: string,
    @Query('name') name: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Req() request: FastifyRequest,
    @CurrentPrincipal() principal: Principal,
  ) {
    const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    return this.handling.upload(principal, caseId, { name, contentType: mediaType(contentType), bytes }, this.clock.now());
  }

  @Get(':caseId/attachments/:id')
  async download(
    @Param('caseId', caseIdPipe) caseId: string,
    @Param('id', idPipe('Attachment')) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const file = await this.handling.attachment(principal, caseId, id);
    void reply
      .header('content-type', file.contentType)
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
      .header('x-content-type-options', 'nosniff');
    return file.bytes;
  }

  @Post(':caseId/result')
  @HttpCode(201)
  submitResult(@Param('caseId', caseIdPipe) caseId: string, @Body(new SchemaPipe(ResultRequest)) body: ResultRequest, @CurrentPrincipal() principal: Principal) {
    return this.handling.submitResult(principal, caseId, body, this.clock.now());
  }

  @Post(':caseId/result/review')
  @HttpCode(200)
  review(@Param('caseId', caseIdPipe) caseId: string, @Body(new SchemaPipe(ResultReviewRequest)) body: ResultReviewRequest, @CurrentPrincipal() principal: Principal) {
    return this.handling.review(principal, caseId, body, this.clock.now());
  }

  @Post(':caseId/assists')
  @HttpCode(201)
  requestAssist(@Param('caseId', caseIdPipe) caseId: string, @Body(new SchemaPipe(AssistRequest)) body: AssistRequest, @CurrentPrincipal() principal: Principal) {
    return this.cooperation.requestAssist(principal, caseId, body, this.clock.now());
  }

  @Post(':caseId/cosigns')
  @HttpCode(201)
  proposeSolution(@Param('caseId', caseIdPipe) caseId: string, @Body(new SchemaPipe(CosignRequest)) body: CosignRequest, @CurrentPrincipal() principal: Principal) {
    return this.cooperation.proposeSolution(principal, caseId, body, this.clock.now());
  }

  @Post(':caseId/task-force')
  @HttpCode(201)
  formTaskForce(@Param('caseId', caseIdPipe) caseId: string, @Body(new SchemaPipe(TaskForceRequest)) body: TaskForceRequest, @CurrentPrincipal() principal: Principal) {
    return this.taskForces.form(principal, caseId, body, this.clock.now());
  }
}
