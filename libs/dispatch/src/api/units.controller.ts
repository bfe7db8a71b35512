import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { CreateUnitRequest, UnitCode, UpdateUnitRequest } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe } from '@duban/service-defaults';
import { Value } from '@sinclair/typebox/value';
import { UnitDirectorySync } from '../application/unit-directory-sync';
import { DispatchRepository } from '../infrastructure/dispatch.repository';

/** The synchroniser with the identity provider's groups, or null when none is configured (standalone). */
export const UNIT_SYNC = Symbol('UNIT_SYNC');

/**
 * The unit directory dispatch owns: everyone reads it; administrators add, rename and move units,
 * and the unit tree in Keycloak follows (docs/dispatch.md, "The unit tree in Keycloak").
 */
@Controller('api/v1/units')
@UseGuards(BearerAuthGuard)
export class UnitsController {
  constructor(
    @Inject(DispatchRepository) private readonly repository: DispatchRepository,
    @Inject(UNIT_SYNC) private readonly sync: UnitDirectorySync | null,
  ) {}

  /** The unit directory (the tree of responsible units). */
  @Get()
  async list() {
    return { units: [...(await this.repository.units()).values()] };
  }

  @Post()
  @HttpCode(201)
  async create(@Body(new SchemaPipe(CreateUnitRequest)) body: CreateUnitRequest, @CurrentPrincipal() principal: Principal) {
    this.adminOnly(principal);
    const units = await this.repository.units();
    if (units.has(body.id)) throw Problems.conflict(`A unit "${body.id}" exists already.`);
    if (!units.has(body.parentId)) throw Problems.field('parentId', `unknown unit "${body.parentId}"`);
    await this.repository.db.query(`INSERT INTO units (id, name_zh, name_en, parent_id, kind, origin) VALUES ($1, $2, $3, $4, $5, 'admin')`, [
      body.id,
      body.nameZh,
      body.nameEn,
      body.parentId,
      body.kind,
    ]);
    this.sync?.wake();
    return (await this.repository.units()).get(body.id);
  }

  @Patch(':id')
  async update(@Param('id') id: string, @Body(new SchemaPipe(UpdateUnitRequest)) body: UpdateUnitRequest, @CurrentPrincipal() principal: Principal) {
    this.adminOnly(principal);
    if (!Value.Check(UnitCode, id)) throw Problems.notFound(`Unit "${id}"`);
    // One change of the tree at a time (the Keycloak synchronisation takes the same lock), so two moves cannot make a cycle.
    await this.repository.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('dispatch:unit-tree'))`);
      const units = await this.repository.units(tx);
      if (!units.has(id)) throw Problems.notFound(`Unit "${id}"`);
      if (body.parentId !== undefined) {
        if (!units.has(body.parentId)) throw Problems.field('parentId', `unknown unit "${body.parentId}"`);
        // A unit cannot move under itself or one of its own units (the walk is bounded by the tree's size).
        for (let at: string | null = body.parentId, steps = 0; at && steps <= units.size; at = units.get(at)?.parentId ?? null, steps += 1) {
          if (at === id) throw Problems.field('parentId', `"${body.parentId}" is ${id} or one of its units`);
        }
      }
      await tx.query(
        `UPDATE units SET name_zh = COALESCE($2, name_zh), name_en = COALESCE($3, name_en), parent_id = COALESCE($4, parent_id),
                kind = COALESCE($5, kind), origin = 'admin' WHERE id = $1`,
        [id, body.nameZh ?? null, body.nameEn ?? null, body.parentId ?? null, body.kind ?? null],
      );
    });
    this.sync?.wake();
    return (await this.repository.units()).get(id);
  }

  /** How the last synchronisation with Keycloak went. */
  @Get('sync')
  status(@CurrentPrincipal() principal: Principal) {
    this.adminOnly(principal);
    return this.sync?.status() ?? { enabled: false, last: null, lastError: null };
  }

  /** Synchronises now and answers what was done. */
  @Post('sync')
  @HttpCode(200)
  async syncNow(@CurrentPrincipal() principal: Principal) {
    this.adminOnly(principal);
    if (!this.sync) throw Problems.conflict('No identity provider is configured for the unit directory (KEYCLOAK_ADMIN_URL).');
    const report = await this.sync.syncOnce();
    if (!report) throw Problems.conflict('Another replica is synchronising the unit directory; try again shortly.');
    return report;
  }

  private adminOnly(principal: Principal): void {
    if (!hasRole(principal, 'admin')) throw Problems.forbidden('Only administrators change the unit directory.');
  }
}
