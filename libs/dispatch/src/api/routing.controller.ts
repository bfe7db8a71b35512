import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe } from '@duban/service-defaults';
import {
  AbsenceRequest,
  CreateRoutingRuleRequest,
  DistrictCode,
  DistrictRequest,
  RoutingPreviewRequest,
  UpdateRoutingRuleRequest,
} from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { randomUUID } from 'node:crypto';
import { Dispatcher } from '../application/dispatcher';
import { areaProblem } from '@duban/geo';
import { resolvePlace, RuleBook, ruleId } from '../domain/routing';
import { cellLeaders, DEFAULT_LEARNING } from '../domain/rule-learning';
import { DispatchRepository } from '../infrastructure/dispatch.repository';

function requireRole(principal: Principal, what: string, ...roles: Parameters<typeof hasRole>[1][]): void {
  if (!hasRole(principal, ...roles)) throw Problems.forbidden(`Only ${roles.join(', ')} ${what}.`);
}

const field = Problems.field;

/** Routing as data: jurisdictions, versioned routing rules, a dry-run preview, and the absence calendar. */
@Controller('api/v1')
@UseGuards(BearerAuthGuard)
export class RoutingController {
  constructor(
    @Inject(DispatchRepository) private readonly repository: DispatchRepository,
    @Inject(Dispatcher) private readonly dispatcher: Dispatcher,
  ) {}

  // --- jurisdictions -----------------------------------------------------------------------------

  @Get('districts')
  async districts(@Query('areas') areas: string | undefined) {
    const withAreas = areas === 'true';
    return {
      schemes: Object.fromEntries(await this.repository.schemeRanks()),
      districts: [...(await this.repository.districts()).values()].map((d) => (withAreas ? d : { ...d, area: undefined, hasArea: d.area !== null })),
    };
  }

  @Put('districts/:id')
  async putDistrict(@Param('id') id: string, @Body(new SchemaPipe(DistrictRequest)) body: DistrictRequest, @CurrentPrincipal() principal: Principal) {
    requireRole(principal, 'change districts', 'admin');
    if (!new RegExp(DistrictCode.pattern!).test(id)) throw Problems.notFound('This district');
    const schemes = await this.repository.schemeRanks();
    if (!schemes.has(body.scheme)) throw field('scheme', `unknown scheme "${body.scheme}"; known: ${[...schemes.keys()].join(', ')}`);
    const districts = await this.repository.districts();
    const parentId = body.parentId ?? null;
    if (parentId !== null) {
      if (!districts.has(parentId)) throw field('parentId', `unknown district "${parentId}"`);
      for (let p: string | null = parentId; p; p = districts.get(p)?.parentId ?? null) {
        if (p === id) throw field('parentId', 'a district cannot lie inside itself');
      }
    }
    const problem = body.area ? areaProblem(body.area) : undefined;
    if (problem) throw field('area', problem);
    await this.repository.db.transaction((tx) =>
      this.repository.upsertDistrict(tx, { id, scheme: body.scheme, nameZh: body.nameZh, nameEn: body.nameEn, parentId, area: body.area ?? null }, principal.username),
    );
    return (await this.repository.districts()).get(id);
  }

  // --- routing rules -----------------------------------------------------------------------------

  @Get('routing-rules')
  async rules(
    @Query('category') category: string | undefined,
    @Query('districtId') districtId: string | undefined,
    @Query('unitId') unitId: string | undefined,
    @Query('includeRetired') includeRetired: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    requireRole(principal, 'read routing rules', 'dispatcher', 'supervisor', 'admin');
    return { rules: await this.repository.listRules({ category, districtId, unitId, includeRetired: includeRetired === 'true' }) };
  }

  /**
   * Jurisdiction rules suggested by how cases were really handled (the final unit after returns
   * and reassignments, recent cases weighing more): where, in a district, another unit clearly
   * handled a category than the one today's rules choose there. Nothing changes until a
   * dispatcher or administrator applies one (POST / PUT).
   */
  @Get('routing-rules/suggestions')
  async suggestions(@Query('days') days: string | undefined, @CurrentPrincipal() principal: Principal) {
    requireRole(principal, 'read routing rules', 'dispatcher', 'supervisor', 'admin');
    const window = days === undefined ? 90 : Number(days);
    if (!Number.isInteger(window) || window < 1 || window > 730) throw field('days', 'must be a whole number of days, 1 to 730');
    const handled = await this.repository.handledCases(window);
    const cells = cellLeaders(
      handled.map((h) => ({ category: h.category, districtId: h.districtId, unitId: h.unitId, at: new Date(h.at).getTime() })),
      { ...DEFAULT_LEARNING, reference: Date.now() },
    );
    const { districts, ranks } = await this.repository.routingReference();
    // One read of the active rules serves every cell (the rule book indexes them by category).
    const active = await this.repository.listRules({});
    const rules = new RuleBook(active);
    const byId = new Map(active.map((r) => [r.id, r]));
    const suggestions = [];
    for (const cell of cells) {
      // What the rules decide there today, against who really handled the cases there.
      const today = rules.match(cell.category, resolvePlace({ district: cell.districtId }, districts, ranks));
      if (today?.unitId === cell.unit || cell.weight(cell.unit) - (today ? cell.weight(today.unitId) : 0) < DEFAULT_LEARNING.minGain) continue;
      const id = ruleId(cell.category, cell.districtId);
      const existing = byId.get(id);
      suggestions.push({
        id,
        category: cell.category,
        districtId: cell.districtId,
        unitId: cell.unit,
        action: existing ? 'change' : 'add',
        current: existing ? { version: existing.version, unitId: existing.unitId } : null,
        decidedToday: today ? { ruleId: today.id, version: today.version, unitId: today.unitId } : null,
      });
    }
    return { basedOn: { cases: handled.length, days: window, ...DEFAULT_LEARNING }, suggestions };
  }

  @Get('routing-rules/:id')
  async rule(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    requireRole(principal, 'read routing rules', 'dispatcher', 'supervisor', 'admin');
    const versions = await this.repository.ruleVersions(this.repository.db, id);
    if (versions.length === 0) throw Problems.notFound('This routing rule');
    return { id, active: versions.find((v) => v.active) ?? null, versions };
  }

  @Post('routing-rules')
  @HttpCode(201)
  async createRule(@Body(new SchemaPipe(CreateRoutingRuleRequest)) body: CreateRoutingRuleRequest, @CurrentPrincipal() principal: Principal) {
    requireRole(principal, 'change routing rules', 'dispatcher', 'admin');
    const districtId = body.districtId ?? null;
    await this.checkTargets(body.unitId, districtId);
    const id = ruleId(body.category, districtId);
    await this.repository.db.transaction(async (tx) => {
      await this.repository.lockRule(tx, id);
      const versions = await this.repository.ruleVersions(tx, id);
      if (versions.some((v) => v.active)) {
        throw Problems.conflict(`An active rule ${id} already covers this category and jurisdiction; change it with PUT /api/v1/routing-rules/${id}.`);
      }
      const version = (versions.at(-1)?.version ?? 0) + 1;
      await this.repository.insertRuleVersion(tx, { id, version, category: body.category, districtId, unitId: body.unitId, note: body.note ?? null, by: principal.username });
    });
    return this.rule(id, principal);
  }

  @Put('routing-rules/:id')
  async updateRule(@Param('id') id: string, @Body(new SchemaPipe(UpdateRoutingRuleRequest)) body: UpdateRoutingRuleRequest, @CurrentPrincipal() principal: Principal) {
    requireRole(principal, 'change routing rules', 'dispatcher', 'admin');
    await this.repository.db.transaction(async (tx) => {
      await this.repository.lockRule(tx, id);
      const active = (await this.repository.ruleVersions(tx, id)).find((v) => v.active);
      if (!active) throw Problems.notFound('This routing rule');
      if (active.version !== body.version) {
        throw Problems.conflict(`Rule ${id} is at version ${active.version}, not ${body.version}: someone changed it; reload and try again.`);
      }
      await this.checkTargets(body.unitId, active.districtId);
      await this.repository.insertRuleVersion(tx, {
        id,
        version: active.version + 1,
        category: active.category,
        districtId: active.districtId,
        unitId: body.unitId,
        note: body.note ?? null,
        by: principal.username,
      });
    });
    return this.rule(id, principal);
  }

  @Delete('routing-rules/:id')
  @HttpCode(204)
  async retireRule(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    requireRole(principal, 'change routing rules', 'dispatcher', 'admin');
    await this.repository.db.transaction(async (tx) => {
      await this.repository.lockRule(tx, id);
      if (!(await this.repository.ruleVersions(tx, id)).some((v) => v.active)) throw Problems.notFound('This routing rule');
      await this.repository.retireRule(tx, id, principal.username);
    });
  }

  /** Where a case of this category and place would go now, and why; nothing is stored. */
  @Post('routing/preview')
  @HttpCode(200)
  async preview(@Body(new SchemaPipe(RoutingPreviewRequest)) body: RoutingPreviewRequest, @CurrentPrincipal() principal: Principal) {
    requireRole(principal, 'preview routing', 'dispatcher', 'supervisor', 'admin', 'operator');
    return this.dispatcher.preview(body.category, body.location ?? null);
  }

  // --- absences (A/B posts) ----------------------------------------------------------------------

  @Get('absences')
  async absences(@Query('username') username: string | undefined, @Query('current') current: string | undefined, @CurrentPrincipal() principal: Principal) {
    const staff = hasRole(principal, 'dispatcher', 'supervisor', 'admin', 'unit-head');
    if (!staff && username !== principal.username) throw Problems.forbidden('You see your own absences (username=<you>).');
    return { absences: await this.repository.listAbsences({ username, current: current === 'true' }) };
  }

  @Post('absences')
  @HttpCode(201)
  async addAbsence(@Body(new SchemaPipe(AbsenceRequest)) body: AbsenceRequest, @CurrentPrincipal() principal: Principal) {
    await this.mayManageAbsences(principal, body.username);
    const from = new Date(body.from);
    const to = new Date(body.to);
    if (!(to > from)) throw field('to', 'must be after from');
    if (to.getTime() - from.getTime() > 366 * 86_400_000) throw field('to', 'an absence lasts at most a year; record a longer one as a change of post');
    const id = randomUUID();
    await this.repository.db.query(
      `INSERT INTO absences (id, username, starts_at, ends_at, reason, created_by) VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, body.username, from, to, body.reason ?? null, principal.username],
    );
    return { id, username: body.username, from: from.toISOString(), to: to.toISOString(), reason: body.reason ?? null, createdBy: principal.username };
  }

  @Delete('absences/:id')
  @HttpCode(204)
  async removeAbsence(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    const [absence] = /^[0-9a-f-]{36}$/i.test(id) ? await this.repository.db.query('SELECT username FROM absences WHERE id = $1', [id]) : [];
    if (!absence) throw Problems.notFound('This absence');
    await this.mayManageAbsences(principal, absence.username);
    await this.repository.db.query('DELETE FROM absences WHERE id = $1', [id]);
  }

  /** The person themself, the head of their unit, dispatchers and administrators. */
  private async mayManageAbsences(principal: Principal, username: string): Promise<void> {
    const unitId = await this.repository.unitOf(username);
    if (!unitId) throw field('username', `${username} holds no post in any unit`);
    const allowed =
      principal.username === username ||
      hasRole(principal, 'dispatcher', 'admin') ||
      (hasRole(principal, 'unit-head') && principal.unitId === unitId);
    if (!allowed) throw Problems.forbidden("Only the person, their unit's head, dispatchers and administrators record absences.");
  }

  private async checkTargets(unitId: string, districtId: string | null): Promise<void> {
    if (!(await this.repository.units()).has(unitId)) throw field('unitId', `unknown unit "${unitId}"`);
    if (districtId !== null && !(await this.repository.districts()).has(districtId)) throw field('districtId', `unknown district "${districtId}"`);
  }
}
