import { Body, Controller, Get, Headers, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import {
  CaseConfidentialityChanged,
  CaseDuplicateUnlinked,
  CaseReceived,
  CaseReclassified,
  CaseView,
  ConfidentialityRequest,
  CreateCaseRequest,
  newEvent,
  ReclassifyRequest,
  UnlinkRequest,
} from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { clears, CONFIDENTIALITY, hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, heldToClearance, HttpProblem, Problems, SchemaPipe, ServiceRuntime, CaseScoped } from '@duban/service-defaults';
import type { FastifyReply } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import { CaseRepository } from '../infrastructure/case.repository';
import { CaseIntake, CasePreview, Channel } from '../application/case-intake';
import { reporterView } from '../domain/case-view';

/** Which roles may file a case on which channel: citizens online, operators on the hotline, leaders and inspectors for their findings. */
const CHANNEL_ROLES: Record<Channel, Principal['roles']> = {
  web: ['reporter', 'operator', 'dispatcher', 'supervisor', 'admin'],
  app: ['reporter', 'operator', 'dispatcher', 'supervisor', 'admin'],
  hotline: ['operator', 'admin'],
  open311: ['operator', 'admin'],
  import: ['dispatcher', 'admin'],
  leader: ['supervisor', 'admin'],
  inspection: ['supervisor', 'admin'],
};

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** Staff who may read any case; handlers and unit heads read their own unit's cases. */
const READ_ANY = ['operator', 'dispatcher', 'supervisor', 'assessor', 'admin'] as const;
/** Who sees every open case at once (the one map). */
const OVERSIGHT = ['dispatcher', 'supervisor', 'assessor', 'admin'] as const;

@Controller('api/v1/cases')
@CaseScoped({ param: 'id' })
@UseGuards(BearerAuthGuard)
export class CasesController {
  constructor(
    @Inject(ServiceRuntime) private readonly runtime: ServiceRuntime,
    @Inject(CaseRepository) private readonly cases: CaseRepository,
    @Inject(CaseIntake) private readonly intake: CaseIntake,
  ) {}

  /** 受理: validates, stores the case, its view and its case.received event in one transaction. */
  @Post()
  @HttpCode(201)
  async create(
    @Body(new SchemaPipe(CreateCaseRequest)) body: CreateCaseRequest,
    @CurrentPrincipal() principal: Principal,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CaseView> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw Problems.validation([
        { pointer: '', field: 'Idempotency-Key', detail: 'must be 1 to 200 visible ASCII characters (a UUID is a good key)' },
      ]);
    }
    const requestHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    if (idempotencyKey) {
      const replay = await this.replay(principal, idempotencyKey, requestHash, reply);
      if (replay) return replay;
    }
    const channel = this.channelFor(body, principal);
    const idempotency = idempotencyKey ? { subject: principal.subject, key: idempotencyKey, requestHash } : undefined;
    const created = await this.intake.file({ body, channel, reporter: { subject: principal.subject, username: principal.username }, idempotency, clearance: principal.clearance });
    if (!created) {
      const replay = await this.replay(principal, idempotencyKey!, requestHash, reply);
      if (replay) return replay;
      throw Problems.internal();
    }
    void reply.header('location', `/api/v1/cases/${created.id}`);
    return created;
  }

  /**
   * What filing this body would do, before it is filed: the recognised category and tier with the
   * words that decided them, and the open case it would be linked to (the console warns before
   * submit). Validated and authorised exactly as POST /api/v1/cases; nothing is written.
   */
  @Post('preview')
  @HttpCode(200)
  async preview(@Body(new SchemaPipe(CreateCaseRequest)) body: CreateCaseRequest, @CurrentPrincipal() principal: Principal): Promise<CasePreview> {
    const channel = this.channelFor(body, principal);
    return this.intake.preview(body, channel, principal.clearance);
  }

  /** The taxonomy a case is filed under: code, names in both languages, default tier, grouped by class. */
  @Get('categories')
  async categories() {
    const all = await this.cases.allCategories();
    return {
      categories: [...all.values()].map((c) => ({ code: c.code, nameZh: c.nameZh, nameEn: c.nameEn, tier: c.tier, group: c.classNameEn ?? c.code.split('.')[0] })),
    };
  }

  /**
   * The open cases of the one map (一张图) for oversight roles: position, category, tier, status and
   * unit of each (the lights come from escalation's GET /api/v1/lights), newest first, at most
   * `limit` (default 20,000); `truncated` says when there were more.
   */
  @Get('map')
  async map(@Query('limit') limit: string | undefined, @CurrentPrincipal() principal: Principal) {
    if (!hasRole(principal, ...OVERSIGHT)) throw Problems.forbidden('The map of open cases is for supervisors, dispatchers and assessors.');
    const n = limit === undefined ? 20_000 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 50_000) throw Problems.field('limit', 'a whole number from 1 to 50000');
    const levels = CONFIDENTIALITY.filter((level) => clears(principal.clearance ?? 'public', level));
    const rows = await this.cases.openForMap(levels, n + 1);
    return { cases: rows.slice(0, n), truncated: rows.length > n };
  }

  /** The channel of a filing (the caller's default when absent), refused when the caller's roles may not use it. */
  private channelFor(body: CreateCaseRequest, principal: Principal): Channel {
    const channel: Channel = body.channel ?? (hasRole(principal, 'operator') ? 'hotline' : 'web');
    if (!hasRole(principal, ...CHANNEL_ROLES[channel])) {
      throw Problems.forbidden(`Your roles may not file cases on the ${channel} channel.`);
    }
    checkChannelFields(body, channel);
    checkConfidentiality(body, principal);
    return channel;
  }

  /** The case an earlier request with this key created, answered again; a different request under the same key is refused. */
  private async replay(principal: Principal, key: string, requestHash: string, reply: FastifyReply): Promise<CaseView | undefined> {
    const [row] = await this.runtime.dataSource.query(
      'SELECT request_hash, case_id FROM idempotency_keys WHERE subject = $1 AND key = $2',
      [principal.subject, key],
    );
    if (!row) return undefined;
    if (row.request_hash !== requestHash) {
      // 409 Conflict, as our API promises (issue 4); the IETF Idempotency-Key draft suggests 422 here.
      throw new HttpProblem(
        409,
        'idempotency-key-reused',
        'This Idempotency-Key was used for a different request.',
        'Use a new key for a new case; resend the identical body to get the case the key created.',
      );
    }
    const stored = await this.cases.find(row.case_id);
    if (!stored) throw Problems.internal();
    // Made more confidential since it was filed: the replay shows no more than a read would.
    if (heldToClearance(principal) && !clears(principal.clearance, stored.view.confidentiality)) throw Problems.notFound('This case');
    void reply.header('location', `/api/v1/cases/${row.case_id}`).header('idempotent-replayed', 'true');
    return stored.view;
  }

  /** Reclassification by a dispatcher: category and tier change, audited, and the clocks are re-timed by escalation. */
  @Post(':id/reclassify')
  @HttpCode(200)
  async reclassify(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('This case') })) id: string,
    @Body(new SchemaPipe(ReclassifyRequest)) body: ReclassifyRequest,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CaseView> {
    if (!hasRole(principal, 'dispatcher', 'supervisor', 'admin')) throw Problems.forbidden('Only dispatchers and supervisors reclassify cases.');
    const category = await this.cases.findCategory(body.category);
    if (!category) throw Problems.validation([{ pointer: '/category', field: 'category', detail: `unknown category "${body.category}"` }]);
    const tier = body.tier ?? category.tier;
    await this.runtime.dataSource.transaction(async (tx) => {
      const [current] = await tx.query('SELECT category, tier FROM cases WHERE id = $1 FOR UPDATE', [id]);
      if (!current) throw Problems.notFound('This case');
      if (current.category === category.code && current.tier === tier) {
        throw Problems.validation([{ pointer: '/category', field: 'category', detail: 'the case already has this category and tier' }]);
      }
      const event = newEvent(CaseReclassified, {
        caseId: id,
        unitId: null,
        data: { fromCategory: current.category, toCategory: category.code, fromTier: current.tier, toTier: tier, reason: body.reason, by: principal.username },
      });
      await tx.query('UPDATE cases SET category = $2, tier = $3 WHERE id = $1', [id, category.code, tier]);
      await tx.query(
        `INSERT INTO case_reclassifications (case_id, from_category, to_category, from_tier, to_tier, reason, changed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, current.category, category.code, current.tier, tier, body.reason, principal.username],
      );
      await this.cases.noteStep(tx, {
        eventId: event.id,
        caseId: id,
        type: event.type,
        occurredAt: event.occurredAt,
        summary: `Reclassified by ${principal.username} from ${current.category} (${current.tier}) to ${category.code} (${tier}): ${body.reason}`,
      });
      await enqueue(tx, this.runtime.topic, [event]);
    });
    this.runtime.relay.wake();
    const stored = await this.cases.find(id);
    if (!stored) throw Problems.notFound('This case');
    return stored.view;
  }

  /** A linked report is a matter of its own after all: unlinked, received and dispatched on its own. */
  @Post(':id/unlink')
  @HttpCode(200)
  async unlink(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('This case') })) id: string,
    @Body(new SchemaPipe(UnlinkRequest)) body: UnlinkRequest,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CaseView> {
    if (!hasRole(principal, 'dispatcher', 'supervisor', 'admin')) throw Problems.forbidden('Only dispatchers and supervisors unlink duplicates.');
    await this.runtime.dataSource.transaction(async (tx) => {
      const [c] = await tx.query(
        `SELECT id, title, description, category, tier, channel, reporter_subject, reporter_username, location, received_at, trace_id,
                source_reference, duplicate_of, confidentiality FROM cases WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!c) throw Problems.notFound('This case');
      if (!c.duplicate_of) throw Problems.conflict('This case is not linked to another case.');
      const unlinked = newEvent(CaseDuplicateUnlinked, { caseId: id, unitId: null, data: { originalId: c.duplicate_of, by: principal.username, reason: body.reason } });
      const received = newEvent(CaseReceived, {
        caseId: id,
        unitId: null,
        data: {
          title: c.title,
          description: c.description,
          category: c.category,
          tier: c.tier,
          channel: c.channel,
          reporter: { subject: c.reporter_subject, username: c.reporter_username },
          ...(c.location ? { location: c.location } : {}),
          receivedAt: c.received_at.toISOString(),
          ...(c.trace_id ? { traceId: c.trace_id } : {}),
          ...(c.source_reference ? { sourceReference: c.source_reference } : {}),
          confidentiality: c.confidentiality,
        },
      });
      await tx.query('UPDATE cases SET duplicate_of = NULL WHERE id = $1', [id]);
      await tx.query(
        `UPDATE case_links SET unlinked_at = now(), unlinked_by = $2, unlink_reason = $3 WHERE case_id = $1 AND unlinked_at IS NULL`,
        [id, principal.username, body.reason],
      );
      const at = { type: unlinked.type, occurredAt: unlinked.occurredAt };
      await this.cases.noteStep(tx, { ...at, eventId: unlinked.id, caseId: id, summary: `Unlinked from case ${c.duplicate_of} by ${principal.username}: ${body.reason}; handled on its own` });
      await this.cases.noteStep(tx, { ...at, eventId: randomUUID(), caseId: c.duplicate_of, summary: `Case ${id} unlinked by ${principal.username}: ${body.reason}` });
      await enqueue(tx, this.runtime.topic, [unlinked, received]);
    });
    this.runtime.relay.wake();
    const stored = await this.cases.find(id);
    if (!stored) throw Problems.notFound('This case');
    return stored.view;
  }

  /**
   * 定密 / 变更密级: operators, dispatchers, supervisors and administrators cleared for both the old
   * and the new level change a case's confidentiality, with a reason; kept in the timeline, and
   * every service limits reads by the new level (case.confidentiality-changed).
   */
  @Post(':id/confidentiality')
  @HttpCode(200)
  async changeConfidentiality(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('This case') })) id: string,
    @Body(new SchemaPipe(ConfidentialityRequest)) body: ConfidentialityRequest,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CaseView> {
    if (!hasRole(principal, 'operator', 'dispatcher', 'supervisor', 'admin')) {
      throw Problems.forbidden('Only operators, dispatchers, supervisors and administrators change the confidentiality of a case.');
    }
    if (!clears(principal.clearance, body.level)) {
      throw Problems.clearance('level', `your clearance (${principal.clearance}) does not cover ${body.level}`);
    }
    await this.runtime.dataSource.transaction(async (tx) => {
      const [current] = await tx.query('SELECT confidentiality FROM cases WHERE id = $1 FOR UPDATE', [id]);
      if (!current) throw Problems.notFound('This case');
      if (current.confidentiality === body.level) throw Problems.field('level', `the case is already ${body.level}`);
      const event = newEvent(CaseConfidentialityChanged, {
        caseId: id,
        unitId: null,
        data: { from: current.confidentiality, to: body.level, reason: body.reason, by: principal.username },
      });
      await tx.query('UPDATE cases SET confidentiality = $2 WHERE id = $1', [id, body.level]);
      await tx.query(
        `INSERT INTO case_confidentiality_changes (case_id, changed_at, from_level, to_level, reason, changed_by) VALUES ($1, $2, $3, $4, $5, $6)`,
        [id, event.occurredAt, current.confidentiality, body.level, body.reason, principal.username],
      );
      await this.cases.noteStep(tx, {
        eventId: event.id,
        caseId: id,
        type: event.type,
        occurredAt: event.occurredAt,
        summary: `Confidentiality changed by ${principal.username} from ${current.confidentiality} to ${body.level}: ${body.reason}`,
      });
      await enqueue(tx, this.runtime.topic, [event]);
    });
    this.runtime.relay.wake();
    const stored = await this.cases.find(id);
    if (!stored) throw Problems.notFound('This case');
    return stored.view;
  }

  @Get(':id')
  async get(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('This case') })) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CaseView> {
    const stored = await this.cases.find(id);
    if (!stored || !mayRead(principal, stored.reporterSubject, stored.view.unitId)) {
      throw Problems.notFound('This case');
    }
    // Staff read the whole view; the reporter reads the reporter's projection of it.
    return asStaff(principal, stored.view.unitId) ? stored.view : reporterView(stored.view);
  }
}

/** Fields that belong to one kind of channel only; a misplaced one is a field-level 400. */
function checkChannelFields(body: CreateCaseRequest, channel: Channel): void {
  const errors = [];
  if (body.caller && channel !== 'hotline') {
    errors.push({ pointer: '/caller', field: 'caller', detail: 'only hotline cases are filed for a caller' });
  }
  const assigned = channel === 'leader' || channel === 'inspection';
  if (assigned && !body.sourceReference) {
    errors.push({ pointer: '/sourceReference', field: 'sourceReference', detail: `a ${channel} case needs the reference of its instruction or report` });
  }
  if (body.tier && !assigned) {
    errors.push({ pointer: '/tier', field: 'tier', detail: 'an explicit priority is for leader assignments and inspection findings' });
  }
  if (errors.length > 0) throw Problems.validation(errors);
}

/**
 * The level a case is filed with: a reporter may ask for a private report (`internal`), staff may
 * classify up to their own clearance; beyond that, 403 naming the field.
 */
function checkConfidentiality(body: CreateCaseRequest, principal: Principal): void {
  const level = body.confidentiality;
  if (!level || level === 'public') return;
  const staff = hasRole(principal, 'operator', 'dispatcher', 'supervisor', 'admin');
  const allowed = staff ? clears(principal.clearance, level) : level === 'internal';
  if (!allowed) {
    const why = staff ? `your clearance (${principal.clearance}) does not cover ${level}` : 'a reporter may ask for public or internal';
    throw Problems.clearance('confidentiality', why);
  }
}

function mayRead(principal: Principal, reporterSubject: string, unitId: string | null): boolean {
  return principal.subject === reporterSubject || asStaff(principal, unitId);
}

/** Reads the case as staff: an oversight role, or a handler or head of its unit. */
function asStaff(principal: Principal, unitId: string | null): boolean {
  if (hasRole(principal, ...READ_ANY)) return true;
  return unitId !== null && unitId === principal.unitId && hasRole(principal, 'handler', 'unit-head');
}

