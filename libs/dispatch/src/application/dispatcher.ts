import { clears, Confidentiality, hasRole, isConfidentiality, Principal } from '@duban/auth';
import {
  CaseAssigned,
  CaseLeadDesignated,
  CaseReceived,
  CaseReclassified,
  CaseReturned,
  EventOf,
  newEvent,
} from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { Problems, ServiceRuntime } from '@duban/service-defaults';
import { Attr, setSpanAttributes } from '@duban/telemetry';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { choosePerson, COORDINATOR_UNIT, Decision, decide, resolvePlace, RuleBook, toCoordinator, Unit, Via } from '../domain/routing';
import { AssignmentRow, DispatchCase, DispatchRepository } from '../infrastructure/dispatch.repository';

/** A second return sends the case to the coordinator instead of another rule. */
export const RETURNS_BEFORE_COORDINATOR = 2;

const STAFF_ROLES = ['dispatcher', 'supervisor', 'admin'] as const;

/**
 * 分派: routes received cases, takes returns, reassignments and the
 * coordinator's designations, and announces every step as an event.
 */
export class Dispatcher {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly repository: DispatchRepository,
  ) {}

  /** Where a case of this category and place would go now, and why (nothing is stored). */
  async preview(category: string, location: DispatchCase['location']) {
    const db = this.repository.db;
    const { districts, ranks } = await this.repository.routingReference();
    const places = resolvePlace(location ?? undefined, districts, ranks);
    const decision = await this.route(db, { category, places });
    return { places, unitId: decision.unit.id, unitName: decision.unit.nameEn, assignee: decision.assignee, rule: decision.rule, via: decision.via, reason: decision.reason };
  }

  /** A received case gets exactly one responsible unit and person. */
  async onReceived(tx: EntityManager, event: EventOf<typeof CaseReceived>): Promise<void> {
    if (await this.repository.activeAssignment(tx, event.caseId)) return;
    const { category, tier, location } = event.data;
    const where = location ? { district: location.district, point: location.point } : undefined;
    const { districts, ranks } = await this.repository.routingReference();
    const places = resolvePlace(where, districts, ranks);
    const dispatchCase: DispatchCase = { caseId: event.caseId, category, tier, location: where ?? null, places, receivedAt: new Date(event.data.receivedAt) };
    await this.repository.rememberCase(tx, dispatchCase);
    const decision = await this.route(tx, { category, places });
    await this.assign(tx, dispatchCase, decision, {});
  }

  /** Keeps the category and tier current, so a later re-route uses them. */
  async onReclassified(tx: EntityManager, event: EventOf<typeof CaseReclassified>): Promise<void> {
    await this.repository.reclassify(tx, event.caseId, event.data.toCategory, event.data.toTier);
  }

  /**
   * The responsible unit returns the case as not theirs. The first return
   * re-routes without every unit that returned it; a second return, or no
   * other rule, goes to the coordinator queue.
   */
  async returnCase(caseId: string, principal: Principal, reason: string): Promise<AssignmentRow> {
    await this.repository.db.transaction(async (tx) => {
      const { current, dispatchCase } = await this.current(tx, caseId, principal);
      if (current.unitId === COORDINATOR_UNIT) {
        throw Problems.conflict('The case is in the coordinator queue: designate the lead unit instead of returning it.');
      }
      if (!(hasRole(principal, 'handler', 'unit-head') && principal.unitId === current.unitId)) {
        throw Problems.forbidden('Only the handlers and the head of the responsible unit return a case.');
      }
      await this.repository.endAssignment(tx, current.id, 'returned', principal.username);
      await this.repository.insertReturn(tx, { id: randomUUID(), caseId, assignmentId: current.id, unitId: current.unitId, reason, by: principal.username });
      const returns = await this.repository.returnsOf(tx, caseId);
      const events = [
        newEvent(CaseReturned, {
          caseId,
          unitId: current.unitId,
          data: { assignmentId: current.id, unitId: current.unitId, reason, by: principal.username, returns: returns.length },
        }),
      ];
      const exclude = new Set(returns.map((r) => r.unitId));
      const decision =
        returns.length >= RETURNS_BEFORE_COORDINATOR
          ? await this.coordinator(tx, `returned ${returns.length} times (last by ${current.unitId}: ${reason})`)
          : await this.route(tx, { category: dispatchCase.category, places: dispatchCase.places, exclude });
      await this.assign(tx, dispatchCase, decision, { previousUnitId: current.unitId, before: events });
    });
    return (await this.repository.activeAssignment(this.repository.db, caseId))!;
  }

  /** A dispatcher or supervisor gives the case to another unit (and person), with a reason. */
  async reassign(caseId: string, principal: Principal, body: { unitId: string; assignee?: string; reason: string }): Promise<AssignmentRow> {
    if (!hasRole(principal, ...STAFF_ROLES)) throw Problems.forbidden('Only dispatchers, supervisors and administrators reassign cases.');
    await this.repository.db.transaction(async (tx) => {
      const { current, dispatchCase } = await this.current(tx, caseId, principal);
      const unit = await this.unit(tx, body.unitId, '/unitId');
      if (unit.id === current.unitId && (!body.assignee || body.assignee === current.assignee)) {
        throw Problems.field('unitId', 'the case is already with this unit and person');
      }
      const decision = await this.personIn(tx, unit, dispatchCase.category, body.assignee, 'reassignment', `reassigned by ${principal.username}: ${body.reason}`);
      await this.repository.endAssignment(tx, current.id, 'reassigned', principal.username);
      await this.assign(tx, dispatchCase, decision, { previousUnitId: current.unitId, by: principal.username });
    });
    return (await this.repository.activeAssignment(this.repository.db, caseId))!;
  }

  /** The coordinator (supervision office) designates the lead unit of a case in its queue. */
  async designateLead(caseId: string, principal: Principal, body: { unitId: string; reason: string }): Promise<AssignmentRow> {
    const coordinator = hasRole(principal, ...STAFF_ROLES) || principal.unitId === COORDINATOR_UNIT;
    if (!coordinator) throw Problems.forbidden('Only the supervision office, dispatchers and supervisors designate lead units.');
    await this.repository.db.transaction(async (tx) => {
      const { current, dispatchCase } = await this.current(tx, caseId, principal);
      if (current.via !== 'coordinator') throw Problems.conflict('The case is not waiting in the coordinator queue; reassign it instead.');
      const unit = await this.unit(tx, body.unitId, '/unitId');
      if (unit.id === COORDINATOR_UNIT) {
        throw Problems.field('unitId', 'designate a unit other than the coordinator');
      }
      const decision = await this.personIn(tx, unit, dispatchCase.category, undefined, 'designation', `lead unit designated by ${principal.username}: ${body.reason}`);
      await this.repository.endAssignment(tx, current.id, 'designated', principal.username);
      const designated = newEvent(CaseLeadDesignated, {
        caseId,
        unitId: unit.id,
        data: { unitId: unit.id, unitName: unit.nameEn, by: principal.username, reason: body.reason },
      });
      await this.assign(tx, dispatchCase, decision, { previousUnitId: current.unitId, by: principal.username, before: [designated] });
    });
    return (await this.repository.activeAssignment(this.repository.db, caseId))!;
  }

  // ---------------------------------------------------------------------------------------------

  private async route(db: EntityManager | DispatchRepository['db'], input: { category: string; places: readonly string[]; exclude?: ReadonlySet<string> }): Promise<Decision> {
    const rules = new RuleBook(await this.repository.rulesFor(db, input.category));
    const reference = await this.repository.routingReference();
    const units = reference.units;
    const candidate = rules.match(input.category, input.places, (u) => !input.exclude?.has(u) && units.has(u));
    const unitId = candidate?.unitId ?? COORDINATOR_UNIT;
    const posts = reference.posts.filter((p) => p.unitId === unitId);
    const staff = await this.repository.staffState(db, posts.map((p) => p.username), input.category);
    return decide({ ...input, rules, units, posts, staff });
  }

  private async coordinator(tx: EntityManager, reason: string): Promise<Decision> {
    const units = await this.repository.units(tx);
    const posts = await this.repository.posts(tx, [COORDINATOR_UNIT]);
    const staff = await this.repository.staffState(tx, posts.map((p) => p.username), '');
    return toCoordinator({ units, posts, staff }, reason);
  }

  /** A person of the given unit: the one named (who must hold a post there), or chosen as routing would. */
  private async personIn(tx: EntityManager, unit: Unit, category: string, named: string | undefined, via: Via, reason: string): Promise<Decision> {
    const posts = await this.repository.posts(tx, [unit.id]);
    const rule = { id: via, version: 1 };
    if (named) {
      if (!posts.some((p) => p.username === named)) {
        throw Problems.field('assignee', `${named} holds no post in ${unit.id}`);
      }
      return { unit, assignee: named, rule, reason: `${reason} → ${unit.nameEn} (${named})`, via };
    }
    const staff = await this.repository.staffState(tx, posts.map((p) => p.username), category);
    const { person, why } = choosePerson(unit.id, posts, staff);
    return { unit, assignee: person?.username ?? null, rule, reason: `${reason} → ${unit.nameEn} — ${why}`, via };
  }

  private async unit(tx: EntityManager, unitId: string, pointer: string): Promise<Unit> {
    const unit = (await this.repository.units(tx)).get(unitId);
    if (!unit) throw Problems.validation([{ pointer, field: pointer.slice(1), detail: `unknown unit "${unitId}"` }]);
    return unit;
  }

  /** The case's active assignment, locked; 404 for people who may not see it. */
  private async current(tx: EntityManager, caseId: string, principal: Principal) {
    const dispatchCase = await this.repository.caseForUpdate(tx, caseId);
    const current = dispatchCase ? await this.repository.activeAssignment(tx, caseId) : undefined;
    const visible = current && (hasRole(principal, ...STAFF_ROLES) || principal.unitId === current.unitId || principal.unitId === COORDINATOR_UNIT);
    if (!dispatchCase || !current || !visible) throw Problems.notFound('This case');
    return { current, dispatchCase };
  }

  private async assign(
    tx: EntityManager,
    c: DispatchCase,
    decision: Decision,
    context: { previousUnitId?: string; by?: string; before?: ReturnType<typeof newEvent>[] },
  ): Promise<void> {
    const assignmentId = randomUUID();
    setSpanAttributes({ [Attr.caseId]: c.caseId, [Attr.unitId]: decision.unit.id });
    // Dispatch's own copy of who reaches the case (the other services take it from case.assigned), and the case's level.
    const { units, posts } = await this.repository.routingReference();
    const unitPath = pathOf(units, decision.unit.id);
    const [touched]: [{ level: string }[], number] = await tx.query(
      'UPDATE case_confidentiality SET unit_path = $2, assigned_at = now() WHERE case_id = $1 RETURNING level',
      [c.caseId, unitPath],
    );
    const level: Confidentiality = isConfidentiality(touched[0]?.level) ? touched[0].level : 'public';
    // Never to a person who could not open the case: above their clearance it waits in the unit's queue.
    if (decision.assignee && level !== 'public') {
      const post = posts.find((p) => p.unitId === decision.unit.id && p.username === decision.assignee);
      const clearance = post?.clearance ?? (await this.repository.clearanceOf(tx, decision.unit.id, decision.assignee));
      if (!clears(clearance, level)) {
        decision = { ...decision, assignee: null, reason: `${decision.reason}; ${decision.assignee} is not cleared for ${level} cases, unit queue` };
      }
    }
    await this.repository.insertAssignment(tx, { id: assignmentId, caseId: c.caseId, category: c.category, tier: c.tier, decision, by: context.by });
    await enqueue(tx, this.runtime.topic, [
      ...(context.before ?? []),
      newEvent(CaseAssigned, {
        caseId: c.caseId,
        unitId: decision.unit.id,
        data: {
          assignmentId,
          unitId: decision.unit.id,
          unitName: decision.unit.nameEn,
          assignee: decision.assignee,
          category: c.category,
          tier: c.tier as EventOf<typeof CaseAssigned>['data']['tier'],
          rule: decision.rule,
          reason: decision.reason.slice(0, 1000),
          via: decision.via,
          ...(context.previousUnitId ? { previousUnitId: context.previousUnitId } : {}),
          ...(context.by ? { by: context.by } : {}),
          confidentiality: level,
          unitPath,
        },
      }),
    ]);
  }
}

/** The unit and its ancestors, root first: the heads of these units reach the case (docs/security.md). */
function pathOf(units: ReadonlyMap<string, Unit>, unitId: string): string[] {
  const path: string[] = [];
  for (let at: string | null | undefined = unitId; at && !path.includes(at) && path.length < 20; at = units.get(at)?.parentId) path.unshift(at);
  return path;
}
