import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { clears, CONFIDENTIALITY, Confidentiality, hasRole, isConfidentiality, Principal, ROLES } from '@duban/auth';
import { CaseAssigned, CaseConfidentialityChanged, CaseReceived, EventOf } from '@duban/contracts';
import { EventContext, EventsController } from '@duban/messaging';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { Problems } from './problem';
import { ServiceRuntime } from './runtime';

/**
 * Every service that holds cases keeps its own copy of each case's confidentiality (公开 / 内部 /
 * 秘密), from the events that carry it: `case.received` and `case.assigned` (the level the case
 * was filed with) and `case.confidentiality-changed`. Written in the same transaction as the
 * service's own record of the case, so a service never holds a case without its level.
 */
export class CaseConfidentiality1763900000992 implements MigrationInterface {
  name = 'CaseConfidentiality1763900000992';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_confidentiality (
        case_id    uuid PRIMARY KEY,
        level      text NOT NULL CHECK (level IN ('public', 'internal', 'secret')),
        changed_at timestamptz
      )`);
    // Only what is not public is looked for in lists.
    await q.query(`CREATE INDEX case_confidentiality_restricted ON case_confidentiality (case_id) WHERE level <> 'public'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE case_confidentiality');
  }
}

/**
 * The copy also keeps the responsible unit's path (root first) as of the latest assignment, so the
 * heads of the units above reach the case.
 */
export class CaseUnitPath1763900000993 implements MigrationInterface {
  name = 'CaseUnitPath1763900000993';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE case_confidentiality ADD COLUMN unit_path text[], ADD COLUMN assigned_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE case_confidentiality DROP COLUMN unit_path, DROP COLUMN assigned_at');
  }
}

/**
 * The service's copy of each case's confidentiality and unit path, kept from `case.assigned` and
 * `case.confidentiality-changed` in the transaction that applies them. List it first among the
 * service's event controllers: where the service handles the same events, its own handler runs
 * after this one and finds the copy written.
 */
@EventsController()
export class CaseConfidentialityEvents {
  @EventPattern(CaseAssigned.type)
  async assigned(@Payload() assigned: EventOf<typeof CaseAssigned>, @Ctx() { tx }: EventContext): Promise<void> {
    // The level only when none is known yet; the unit's path from the latest assignment.
    await tx.query(
      `INSERT INTO case_confidentiality (case_id, level, unit_path, assigned_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (case_id) DO UPDATE SET unit_path = EXCLUDED.unit_path, assigned_at = EXCLUDED.assigned_at
       WHERE case_confidentiality.assigned_at IS NULL OR case_confidentiality.assigned_at <= EXCLUDED.assigned_at`,
      [assigned.caseId, assigned.data.confidentiality ?? 'public', assigned.data.unitPath ?? [assigned.data.unitId], assigned.occurredAt],
    );
  }

  @EventPattern(CaseConfidentialityChanged.type)
  async changed(@Payload() changed: EventOf<typeof CaseConfidentialityChanged>, @Ctx() { tx }: EventContext): Promise<void> {
    await tx.query(
      `INSERT INTO case_confidentiality (case_id, level, changed_at) VALUES ($1, $2, $3)
       ON CONFLICT (case_id) DO UPDATE SET level = EXCLUDED.level, changed_at = EXCLUDED.changed_at
       WHERE case_confidentiality.changed_at IS NULL OR case_confidentiality.changed_at <= EXCLUDED.changed_at`,
      [changed.caseId, changed.data.to, changed.occurredAt],
    );
  }
}

/**
 * The level a case was filed with, from `case.received` (never over a later change) — for the
 * services that hold a case before its assignment; listed before their own handlers, like
 * CaseConfidentialityEvents.
 */
@EventsController()
export class CaseFiledLevelEvents {
  @EventPattern(CaseReceived.type)
  async received(@Payload() filed: EventOf<typeof CaseReceived>, @Ctx() { tx }: EventContext): Promise<void> {
    await tx.query(`INSERT INTO case_confidentiality (case_id, level) VALUES ($1, $2) ON CONFLICT (case_id) DO NOTHING`, [filed.caseId, filed.data.confidentiality ?? 'public']);
  }
}

/** What decides who reaches a case beyond its unit: its level and the responsible unit's path (root first; empty before assignment). */
export interface CaseAccess {
  level: Confidentiality;
  unitPath: string[];
}

/** Where a service reads a case's access facts; intake reads its own cases, the others their copy. */
export interface CaseAccessSource {
  /** Null when the service does not know the case. */
  accessOf(caseId: string): Promise<CaseAccess | null>;
}
export const CASE_ACCESS = Symbol('CASE_ACCESS');

/** The copy kept by CaseConfidentialityEvents. */
export class CaseAccessCopy implements CaseAccessSource {
  constructor(private readonly runtime: ServiceRuntime) {}

  async accessOf(caseId: string): Promise<CaseAccess | null> {
    const rows: { level: string; unit_path: string[] | null }[] = await this.runtime.dataSource.query(
      'SELECT level, unit_path FROM case_confidentiality WHERE case_id = $1',
      [caseId],
    );
    return rows.length > 0 && isConfidentiality(rows[0].level) ? { level: rows[0].level, unitPath: rows[0].unit_path ?? [] } : null;
  }
}

const STAFF_ROLES = ROLES.filter((r) => r !== 'reporter');

/**
 * A reporter's own case is theirs to see whatever its level (each service checks ownership); every
 * other caller — staff — is held to their clearance.
 */
export function heldToClearance(principal: Principal): boolean {
  return hasRole(principal, ...STAFF_ROLES);
}

/** The levels a principal is not cleared for (empty for the highest clearance). */
export function levelsAbove(principal: Principal): Confidentiality[] {
  const clearance = isConfidentiality(principal.clearance) ? principal.clearance : 'public';
  return CONFIDENTIALITY.filter((level) => !clears(clearance, level));
}

/**
 * A SQL condition keeping the cases a principal is cleared for in a list read from a service's
 * own tables: `AND ${clearedCases(principal, 'w.case_id', params)}`. Uses the confidentiality copy.
 * Qualify the column (table or alias): a bare `case_id` would name the copy's own column inside the subquery.
 */
export function clearedCases(principal: Principal, caseIdColumn: string, params: unknown[]): string {
  const above = heldToClearance(principal) ? levelsAbove(principal) : [];
  if (above.length === 0) return 'TRUE';
  params.push(above);
  return `NOT EXISTS (SELECT 1 FROM case_confidentiality cc WHERE cc.case_id = ${caseIdColumn} AND cc.level = ANY($${params.length}::text[]))`;
}

/** The cases a principal is not cleared for, for lists built in memory (few: only restricted cases are read). */
export async function casesAbove(db: { query(sql: string, params?: unknown[]): Promise<unknown> }, principal: Principal): Promise<Set<string>> {
  const above = heldToClearance(principal) ? levelsAbove(principal) : [];
  if (above.length === 0) return new Set();
  const rows = (await db.query(`SELECT case_id FROM case_confidentiality WHERE level <> 'public' AND level = ANY($1::text[])`, [above])) as { case_id: string }[];
  return new Set(rows.map((r) => r.case_id));
}

/** How a route names its case: a path parameter holding the case id, one resolved to it, or a field of its JSON body. */
export interface CaseScope {
  param?: string;
  /** The field of the JSON body that holds the case id (a route that creates something about a case, e.g. a supervision order). */
  body?: string;
  /** SQL taking the parameter as $1 and answering `case_id`, for objects that belong to a case (a cooperation request, a task force). */
  caseOf?: string;
}
const CASE_SCOPE = 'duban:case-scope';

/**
 * Marks a route whose case is named by a parameter other than `caseId`, or by a body field (every
 * route with a `:caseId` parameter is checked without it). A method's scope overrides its class's.
 */
export const CaseScoped = (scope: CaseScope) => SetMetadata(CASE_SCOPE, scope);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Who reaches a case beyond its own unit, on every route that names a case (docs/security.md), before
 * the route runs. Confidentiality: staff whose clearance is below the case's level are answered 404 —
 * as for a case that is not theirs, so its existence is not revealed — and nothing is changed. The
 * unit tree: the head of a unit above the case's unit acts, for this request, as the head of the
 * case's unit (`principal.unitId` becomes it, `homeUnitId` keeps theirs), so every service's own
 * unit checks let them in. Runs after the bearer-token guard (an interceptor), inside the audit
 * interceptor (refusals are audited, under the person's own unit).
 */
@Injectable()
export class CaseClearanceInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly runtime: ServiceRuntime,
    @Inject(CASE_ACCESS) private readonly access: CaseAccessSource | null,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal; params?: Record<string, string> }>();
    const principal = request.principal;
    if (!this.access || !principal || !heldToClearance(principal)) return next.handle();
    const headOf = hasRole(principal, 'unit-head') ? principal.unitId : null;
    if (principal.clearance === 'secret' && !headOf) return next.handle();
    const scope = this.reflector.getAllAndOverride<CaseScope | undefined>(CASE_SCOPE, [context.getHandler(), context.getClass()]) ?? { param: 'caseId' };
    // The case named in the path, or — only where the route says so — in its JSON body.
    const body = request.body as Record<string, unknown> | undefined;
    const value = scope.body
      ? body && typeof body === 'object' && !Buffer.isBuffer(body) ? body[scope.body] : undefined
      : scope.param ? request.params?.[scope.param] : undefined;
    if (typeof value !== 'string' || !UUID.test(value)) return next.handle();
    const caseId = scope.caseOf ? await this.caseOf(scope.caseOf, value) : value;
    if (!caseId) return next.handle();
    const access = await this.access.accessOf(caseId);
    if (!access) return next.handle();
    if (!clears(principal.clearance, access.level)) throw Problems.notFound(`case ${caseId}`);
    const unitOfCase = access.unitPath[access.unitPath.length - 1];
    if (headOf && unitOfCase && unitOfCase !== headOf && access.unitPath.includes(headOf)) {
      request.principal = { ...principal, unitId: unitOfCase, homeUnitId: headOf };
    }
    return next.handle();
  }

  private async caseOf(sql: string, id: string): Promise<string | null> {
    const rows: { case_id: string }[] = await this.runtime.dataSource.query(sql, [id]);
    return rows[0]?.case_id ?? null;
  }
}
