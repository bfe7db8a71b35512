import { AnyEnvelope } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { enqueue } from '@duban/messaging';
import { Problems, ServiceRuntime } from '@duban/service-defaults';
import type { EntityManager } from 'typeorm';
import { AssistState, transition, TransitionRefused, WorkspaceAction, WorkspaceState } from '../domain/workspace';

export interface HandlingOptions {
  /** Default reply limit of a cooperating unit, in working minutes on its calendar (4 working hours). */
  assistReplyMinutes: number;
  /** Largest attachment, bytes. */
  attachmentMaxBytes: number;
  /** Shortest time between two reminders of one cooperation request. */
  reminderIntervalMinutes: number;
}

export interface Workspace {
  id: string;
  case_id: string;
  unit_id: string;
  handler: string | null;
  state: WorkspaceState;
  tier: string;
  paused_at: Date | null;
}

export interface AssistRow {
  id: string;
  case_id: string;
  lead_unit_id: string;
  unit_id: string;
  state: AssistState;
  due_at: Date | null;
  extension_until: Date | null;
  last_reminded_at: Date | null;
  reminders: number;
}

export type AttachmentRef = { attachmentId: string; name: string; contentType: string; size: number };

/** People who review results and oversee cases across units. */
export const OVERSIGHT = ['operator', 'dispatcher', 'supervisor', 'admin', 'assessor'] as const;
const MAX_DEADLINE_DAYS = 60;

export const ASSIST_COLUMNS = `id, case_id AS "caseId", lead_unit_id AS "leadUnitId", unit_id AS "unitId", request, requested_by AS "requestedBy", requested_at AS "requestedAt",
  reply_within_minutes AS "replyWithinWorkingMinutes", due_at AS "dueAt", state, reply, replied_by AS "repliedBy", replied_at AS "repliedAt",
  decline_reason AS "declineReason", extension_until AS "extensionUntil", extension_reason AS "extensionReason", reminders, last_reminded_at AS "lastRemindedAt"`;


/**
 * The steps every change of a handling workspace is made of, shared by the lead unit's work
 * (Handling), the cooperating units' (Cooperation) and task forces: find the workspace, check who
 * may see and act on it, move it through its states, and record the change — its trail line and
 * its events — in the caller's transaction.
 */
export class WorkspaceSteps {
  constructor(
    protected readonly runtime: ServiceRuntime,
    readonly options: HandlingOptions,
  ) {}

  /** The workspace of the case's current lead unit. */
  async liveWorkspace(tx: EntityManager, caseId: string, lock: boolean): Promise<Workspace> {
    const [ws] = await tx.query(
      `SELECT id, case_id, unit_id, handler, state, tier, paused_at FROM workspaces WHERE case_id = $1 AND state <> 'withdrawn'${lock ? ' FOR UPDATE' : ''}`,
      [caseId],
    );
    if (!ws) throw Problems.notFound('Case workspace');
    return ws;
  }

  /** Oversight roles see every workspace; units see those they lead or work on. */
  async mustSee(tx: EntityManager, principal: Principal, ws: Workspace): Promise<void> {
    if (hasRole(principal, ...OVERSIGHT)) return;
    await this.participantUnit(tx, principal, ws).catch(() => {
      throw Problems.notFound('Case workspace');
    });
  }

  /**
   * The caller's unit if it leads the case or was asked to work on it (a request, a co-sign, a
   * task force) and the caller handles cases there. Whoever cannot see the case at all gets the
   * 404 of a case that does not exist (docs/security.md); only those who can see it learn why not.
   */
  async participantUnit(tx: EntityManager, principal: Principal, ws: Workspace): Promise<string> {
    const unitId = principal.unitId;
    let involved = Boolean(unitId) && unitId === ws.unit_id;
    if (unitId && !involved) {
      const [row] = await tx.query(
        `SELECT 1 FROM assists WHERE case_id = $1 AND unit_id = $2
         UNION ALL SELECT 1 FROM cosigns WHERE case_id = $1 AND $2 = ANY (units)
         UNION ALL SELECT 1 FROM task_force_members m JOIN task_forces f ON f.id = m.task_force_id WHERE f.case_id = $1 AND m.unit_id = $2
         LIMIT 1`,
        [ws.case_id, unitId],
      );
      involved = Boolean(row);
    }
    if (involved && hasRole(principal, 'handler', 'unit-head')) return unitId!;
    if (!involved && !hasRole(principal, ...OVERSIGHT)) throw Problems.notFound('Case workspace');
    throw Problems.forbidden('Only handlers and unit heads of the units working on the case do this.');
  }

  /** Runs one action of the lead unit on its workspace: checks, the change, the event and the trail, in one transaction. */
  protected asLead<T extends Record<string, unknown> | undefined>(
    principal: Principal,
    caseId: string,
    action: WorkspaceAction,
    now: Date,
    change: (tx: EntityManager, ws: Workspace) => Promise<{ event: AnyEnvelope; trail: Record<string, unknown>; answer?: T }>,
  ) {
    return this.runtime.dataSource.transaction(async (tx) => {
      const ws = await this.liveWorkspace(tx, caseId, true);
      // Who cannot see the case learns nothing of it, not even who leads it.
      await this.mustSee(tx, principal, ws);
      this.mustLead(principal, ws.unit_id);
      const next = this.step(ws.state, action);
      const { event, trail, answer } = await change(tx, ws);
      await this.record(tx, principal, caseId, now, action, trail, [event]);
      return { caseId, state: next, ...(answer ?? {}) };
    });
  }

  protected mustLead(principal: Principal, leadUnitId: string): void {
    if (principal.unitId !== leadUnitId || !hasRole(principal, 'handler', 'unit-head')) {
      throw Problems.forbidden(`Only the lead unit (${leadUnitId}) does this; cooperating units reply to their requests and never close the case.`);
    }
  }

  protected step(state: WorkspaceState, action: WorkspaceAction): WorkspaceState {
    try {
      return transition(state, action);
    } catch (error) {
      if (error instanceof TransitionRefused) throw Problems.conflict(error.message);
      throw error;
    }
  }

  protected futureDeadline(field: string, value: string, now: Date): Date {
    const at = new Date(value);
    if (!(at.getTime() > now.getTime() + 60_000)) throw Problems.field(field, 'must lie in the future (at least a minute from now)');
    if (at.getTime() - now.getTime() > MAX_DEADLINE_DAYS * 86_400_000) throw Problems.field(field, `must lie within ${MAX_DEADLINE_DAYS} days`);
    return at;
  }

  /** Attaches uploaded files of the caller's unit to a note, result or reply (each file once). */
  protected async claimAttachments(tx: EntityManager, principal: Principal, caseId: string, ids: string[], usedBy: string, field: string): Promise<AttachmentRef[]> {
    if (ids.length === 0) return [];
    const rows: { id: string; name: string; content_type: string; size: number; unit_id: string; used_by: string | null }[] = await tx.query(
      `SELECT id, name, content_type, size, unit_id, used_by FROM attachments WHERE id = ANY($1::uuid[]) AND case_id = $2 FOR UPDATE`,
      [ids, caseId],
    );
    for (const id of ids) {
      const row = rows.find((r) => r.id === id);
      if (!row) throw Problems.field(field, `attachment ${id} was not uploaded to this case`);
      if (row.unit_id !== principal.unitId) throw Problems.field(field, `attachment ${id} was uploaded by another unit`);
      if (row.used_by) throw Problems.field(field, `attachment ${id} is already attached to something else`);
    }
    await tx.query(`UPDATE attachments SET used_by = $2 WHERE id = ANY($1::uuid[])`, [ids, usedBy]);
    return ids.map((id) => rows.find((r) => r.id === id)!).map((r) => ({ attachmentId: r.id, name: r.name, contentType: r.content_type, size: r.size }));
  }

  /** The trail line and the events of one change, in the caller's transaction. */
  async record(tx: EntityManager, principal: Principal, caseId: string, now: Date, action: string, detail: Record<string, unknown>, events: AnyEnvelope[], unitId = principal.unitId) {
    await tx.query(`INSERT INTO workspace_trail (case_id, at, by, unit_id, action, detail) VALUES ($1, $2, $3, $4, $5, $6)`, [caseId, now, principal.username, unitId, action, JSON.stringify(detail)]);
    if (events.length > 0) await enqueue(tx, this.runtime.topic, events);
  }
}
