import {
  AnyEnvelope,
  AssistCancelled,
  AssistDeclined,
  AssistExtensionDecided,
  AssistExtensionRequested,
  AssistReminded,
  AssistReplied,
  AssistRequested,
  CaseAccepted,
  CaseCosigned,
  CasePaused,
  CaseProgressed,
  CaseResolved,
  CaseResumed,
  CosignDecided,
  CosignRequested,
  newEvent,
  ResultRejected,
  ResultSubmitted,
} from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { enqueue } from '@duban/messaging';
import { HttpProblem, Problems, ServiceRuntime, clearedCases } from '@duban/service-defaults';
import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ATTACHMENT_TYPES, contentProblem, safeFileName } from '../domain/attachments';
import { assistTransition, AssistState, AssistTransitionRefused, cosignOutcome, transition, TransitionRefused, WorkspaceAction, WorkspaceState } from '../domain/workspace';
import { AttachmentStore } from '../infrastructure/attachment-store';

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

interface AssistRow {
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

type AttachmentRef = { attachmentId: string; name: string; contentType: string; size: number };

/** People who review results and oversee cases across units. */
const OVERSIGHT = ['operator', 'dispatcher', 'supervisor', 'admin', 'assessor'] as const;
const MAX_DEADLINE_DAYS = 60;

/**
 * The handling workspace (办理、协同): sign-for, notes with attachments, waiting on the reporter,
 * results and their review, cooperating units, co-signing. Every change is one transaction with
 * its event (outbox) and its line in the decision trail (决策留痕).
 */
export class Handling {
  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly store: AttachmentStore,
    readonly options: HandlingOptions,
  ) {}

  // ── reading ────────────────────────────────────────────────────────────

  /** The whole workspace of a case, for its lead unit, the units working with it and oversight roles. */
  async view(principal: Principal, caseId: string) {
    const db = this.runtime.dataSource;
    const ws = await this.liveWorkspace(db.manager, caseId, false);
    await this.mustSee(db.manager, principal, ws);
    const [notes, attachments, results, assists, cosigns, decisions, taskForce] = await Promise.all([
      db.query(`SELECT id, unit_id AS "unitId", author, text, created_at AS "createdAt" FROM notes WHERE case_id = $1 ORDER BY created_at`, [caseId]),
      db.query(
        `SELECT id, unit_id AS "unitId", name, content_type AS "contentType", size, sha256, uploaded_by AS "uploadedBy", uploaded_at AS "uploadedAt", used_by AS "usedBy"
           FROM attachments WHERE case_id = $1 ORDER BY uploaded_at`,
        [caseId],
      ),
      db.query(
        `SELECT id, unit_id AS "unitId", summary, submitted_by AS "submittedBy", submitted_at AS "submittedAt", state,
                reviewed_by AS "reviewedBy", reviewed_at AS "reviewedAt", review_reason AS "reviewReason"
           FROM results WHERE case_id = $1 ORDER BY submitted_at`,
        [caseId],
      ),
      db.query(`SELECT ${ASSIST_COLUMNS} FROM assists WHERE case_id = $1 ORDER BY requested_at`, [caseId]),
      db.query(
        `SELECT id, solution, units, state, proposed_by AS "proposedBy", proposed_at AS "proposedAt", closed_at AS "closedAt" FROM cosigns WHERE case_id = $1 ORDER BY proposed_at`,
        [caseId],
      ),
      db.query(
        `SELECT d.cosign_id AS "cosignId", d.unit_id AS "unitId", d.decision, d.reason, d.decided_by AS "decidedBy", d.decided_at AS "decidedAt"
           FROM cosign_decisions d JOIN cosigns c ON c.id = d.cosign_id WHERE c.case_id = $1 ORDER BY d.decided_at`,
        [caseId],
      ),
      db.query(`SELECT id, name FROM task_forces WHERE case_id = $1`, [caseId]),
    ]);
    return {
      caseId,
      workspace: { id: ws.id, unitId: ws.unit_id, handler: ws.handler, state: ws.state, tier: ws.tier, pausedAt: ws.paused_at },
      notes,
      attachments,
      results,
      assists,
      cosigns: cosigns.map((c: { id: string }) => ({ ...c, decisions: decisions.filter((d: { cosignId: string }) => d.cosignId === c.id) })),
      taskForce: taskForce[0] ?? null,
    };
  }

  /** The decision trail of a case (决策留痕), oldest first. */
  async trail(principal: Principal, caseId: string) {
    const db = this.runtime.dataSource;
    const ws = await this.liveWorkspace(db.manager, caseId, false);
    await this.mustSee(db.manager, principal, ws);
    const entries = await db.query(`SELECT id::text AS seq, at, by, unit_id AS "unitId", action, detail FROM workspace_trail WHERE case_id = $1 ORDER BY id`, [caseId]);
    return { caseId, entries };
  }

  async attachment(principal: Principal, caseId: string, attachmentId: string) {
    const db = this.runtime.dataSource;
    const ws = await this.liveWorkspace(db.manager, caseId, false);
    await this.mustSee(db.manager, principal, ws);
    const [row] = await db.query(`SELECT id, name, content_type, size FROM attachments WHERE id = $1 AND case_id = $2`, [attachmentId, caseId]);
    if (!row) throw Problems.notFound('Attachment');
    const bytes = await this.store.get(row.id);
    if (!bytes) throw Problems.notFound('Attachment content');
    return { name: row.name as string, contentType: row.content_type as string, bytes };
  }

  /** The cooperation requests addressed to the caller's unit (the cooperating unit's inbox), open first. */
  async assistsForMyUnit(principal: Principal) {
    if (!principal.unitId) return { unitId: null, assists: [] };
    const params: unknown[] = [principal.unitId];
    const cleared = clearedCases(principal, 'assists.case_id', params);
    const assists = await this.runtime.dataSource.query(
      `SELECT ${ASSIST_COLUMNS} FROM assists WHERE unit_id = $1 AND ${cleared}
        ORDER BY (state IN ('open', 'extension-requested')) DESC, requested_at DESC LIMIT 200`,
      params,
    );
    return { unitId: principal.unitId, assists };
  }

  /** Co-sign rounds in which the caller's unit still has to decide. */
  async cosignsForMyUnit(principal: Principal) {
    if (!principal.unitId) return { unitId: null, cosigns: [] };
    const params: unknown[] = [principal.unitId];
    const cleared = clearedCases(principal, 'c.case_id', params);
    const cosigns = await this.runtime.dataSource.query(
      `SELECT c.id, c.case_id AS "caseId", c.solution, c.units, c.state, c.proposed_by AS "proposedBy", c.proposed_at AS "proposedAt"
         FROM cosigns c WHERE c.state = 'open' AND $1 = ANY (c.units)
          AND NOT EXISTS (SELECT 1 FROM cosign_decisions d WHERE d.cosign_id = c.id AND d.unit_id = $1) AND ${cleared}
        ORDER BY c.proposed_at LIMIT 200`,
      params,
    );
    return { unitId: principal.unitId, cosigns };
  }

  // ── the lead unit's work ────────────────────────────────────────────────

  /** 签收: the responsible unit takes the case on. */
  signFor(principal: Principal, caseId: string, now: Date) {
    return this.asLead(principal, caseId, 'sign-for', now, async (tx, ws) => {
      await tx.query(`UPDATE workspaces SET state = 'in-progress', signed_by = $2, signed_at = $3, handler = coalesce(handler, $2) WHERE id = $1`, [ws.id, principal.username, now]);
      return { event: newEvent(CaseAccepted, { caseId, unitId: ws.unit_id, occurredAt: now, data: { workspaceId: ws.id, unitId: ws.unit_id, by: principal.username } }), trail: {} };
    });
  }

  /** The case waits on the reporter: the lead unit's limits stop. */
  pause(principal: Principal, caseId: string, reason: string, now: Date) {
    return this.asLead(principal, caseId, 'pause', now, async (tx, ws) => {
      await tx.query(`UPDATE workspaces SET state = 'waiting-on-reporter', paused_at = $2, pause_reason = $3 WHERE id = $1`, [ws.id, now, reason]);
      return { event: newEvent(CasePaused, { caseId, unitId: ws.unit_id, occurredAt: now, data: { workspaceId: ws.id, unitId: ws.unit_id, by: principal.username, reason } }), trail: { reason } };
    });
  }

  resume(principal: Principal, caseId: string, now: Date) {
    return this.asLead(principal, caseId, 'resume', now, async (tx, ws) => {
      await tx.query(`UPDATE workspaces SET state = 'in-progress', paused_at = NULL, pause_reason = NULL WHERE id = $1`, [ws.id]);
      const pausedAt = (ws.paused_at ?? now).toISOString();
      return { event: newEvent(CaseResumed, { caseId, unitId: ws.unit_id, occurredAt: now, data: { workspaceId: ws.id, unitId: ws.unit_id, by: principal.username, pausedAt } }), trail: { pausedAt } };
    });
  }

  /** 反馈: the result with its evidence; it waits for review. */
  submitResult(principal: Principal, caseId: string, body: { summary: string; evidence: string[] }, now: Date) {
    return this.asLead(principal, caseId, 'submit-result', now, async (tx, ws) => {
      const [openRound] = await tx.query(`SELECT id FROM cosigns WHERE case_id = $1 AND state = 'open'`, [caseId]);
      if (openRound) throw Problems.conflict('A solution is still being co-signed; wait for every listed unit, or propose a new one.');
      const open: { unit_id: string }[] = await tx.query(`SELECT unit_id FROM assists WHERE case_id = $1 AND state IN ('open', 'extension-requested')`, [caseId]);
      if (open.length > 0) {
        throw Problems.conflict(`Cooperating units still owe a reply (${open.map((a) => a.unit_id).join(', ')}); wait for them or cancel their requests first.`);
      }
      const resultId = randomUUID();
      const evidence = await this.claimAttachments(tx, principal, ws.case_id, body.evidence, resultId, 'evidence');
      await tx.query(`INSERT INTO results (id, case_id, workspace_id, unit_id, summary, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        resultId,
        caseId,
        ws.id,
        ws.unit_id,
        body.summary,
        principal.username,
        now,
      ]);
      await tx.query(`UPDATE workspaces SET state = 'result-submitted' WHERE id = $1`, [ws.id]);
      return {
        event: newEvent(ResultSubmitted, { caseId, unitId: ws.unit_id, occurredAt: now, data: { resultId, unitId: ws.unit_id, by: principal.username, summary: body.summary, evidence } }),
        trail: { resultId, evidence: evidence.map((e) => e.attachmentId) },
        answer: { resultId },
      };
    });
  }

  /** Review of the submitted result by someone outside the lead unit: accept resolves the case, reject sends it back (退回重办). */
  async review(principal: Principal, caseId: string, body: { decision: 'accept' | 'reject'; reason?: string }, now: Date) {
    if (!hasRole(principal, 'operator', 'dispatcher', 'supervisor')) throw Problems.forbidden('Results are reviewed by operators, dispatchers and supervisors.');
    if (body.decision === 'reject' && !body.reason) throw Problems.field('reason', 'a rejection needs a reason the unit can act on');
    return this.runtime.dataSource.transaction(async (tx) => {
      const ws = await this.liveWorkspace(tx, caseId, true);
      if (principal.unitId === ws.unit_id) throw Problems.forbidden('A unit does not review its own result.');
      const action: WorkspaceAction = body.decision === 'accept' ? 'accept-result' : 'reject-result';
      const next = this.step(ws.state, action);
      const [result] = await tx.query(`SELECT id, summary FROM results WHERE workspace_id = $1 AND state = 'submitted' FOR UPDATE`, [ws.id]);
      await tx.query(`UPDATE results SET state = $2, reviewed_by = $3, reviewed_at = $4, review_reason = $5 WHERE id = $1`, [
        result.id,
        body.decision === 'accept' ? 'accepted' : 'rejected',
        principal.username,
        now,
        body.reason ?? null,
      ]);
      await tx.query(`UPDATE workspaces SET state = $2, resolved_at = $3 WHERE id = $1`, [ws.id, next, next === 'resolved' ? now : null]);
      const event =
        body.decision === 'accept'
          ? newEvent(CaseResolved, {
              caseId,
              unitId: ws.unit_id,
              occurredAt: now,
              data: { resultId: result.id, unitId: ws.unit_id, by: ws.handler ?? principal.username, reviewedBy: principal.username, summary: result.summary },
            })
          : newEvent(ResultRejected, { caseId, unitId: ws.unit_id, occurredAt: now, data: { resultId: result.id, unitId: ws.unit_id, by: principal.username, reason: body.reason! } });
      await this.record(tx, principal, caseId, now, body.decision === 'accept' ? 'result-accepted' : 'result-rejected', { resultId: result.id, reason: body.reason ?? null }, [event]);
      return { caseId, state: next, resultId: result.id };
    });
  }

  // ── notes and attachments (lead and cooperating units) ─────────────────

  async upload(principal: Principal, caseId: string, file: { name?: string; contentType: string; bytes: Buffer }, now: Date) {
    const name = safeFileName(file.name);
    if (!name) throw Problems.field('name', 'give the file name as ?name=… (without a path)');
    const problem = contentProblem(file.contentType, file.bytes);
    if (problem) {
      throw (ATTACHMENT_TYPES as readonly string[]).includes(file.contentType)
        ? Problems.field('file', problem)
        : new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type.', problem);
    }
    if (file.bytes.length > this.options.attachmentMaxBytes) throw Problems.tooLarge();
    const db = this.runtime.dataSource;
    const ws = await this.liveWorkspace(db.manager, caseId, false);
    const unitId = await this.participantUnit(db.manager, principal, ws);
    if (ws.state === 'resolved') throw Problems.conflict('The case is resolved; nothing more is attached to it.');
    const id = randomUUID();
    const sha256 = createHash('sha256').update(file.bytes).digest('hex');
    // The bytes first, then the row: a crash in between leaves an unreferenced file, never a row without content.
    await this.store.put(id, file.bytes);
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO attachments (id, case_id, unit_id, name, content_type, size, sha256, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [id, caseId, unitId, name, file.contentType, file.bytes.length, sha256, principal.username, now],
      );
      await this.record(tx, principal, caseId, now, 'attachment-uploaded', { attachmentId: id, name, size: file.bytes.length, sha256 }, [], unitId);
    });
    return { id, caseId, name, contentType: file.contentType, size: file.bytes.length, sha256 };
  }

  async note(principal: Principal, caseId: string, body: { text: string; attachmentIds?: string[] }, now: Date) {
    return this.runtime.dataSource.transaction(async (tx) => {
      const ws = await this.liveWorkspace(tx, caseId, true);
      const unitId = await this.participantUnit(tx, principal, ws);
      this.step(ws.state, 'note');
      const noteId = randomUUID();
      const attachments = await this.claimAttachments(tx, principal, caseId, body.attachmentIds ?? [], noteId, 'attachmentIds');
      await tx.query(`INSERT INTO notes (id, case_id, unit_id, author, text, created_at) VALUES ($1, $2, $3, $4, $5, $6)`, [noteId, caseId, unitId, principal.username, body.text, now]);
      const event = newEvent(CaseProgressed, { caseId, unitId, occurredAt: now, data: { noteId, unitId, by: principal.username, text: body.text, attachments } });
      await this.record(tx, principal, caseId, now, 'note-added', { noteId, attachments: attachments.map((a) => a.attachmentId) }, [event], unitId);
      return { noteId, caseId, attachments };
    });
  }

  // ── cooperating units (配合单位) ──────────────────────────────────────────

  requestAssist(principal: Principal, caseId: string, body: { unitId: string; request: string; dueAt?: string }, now: Date) {
    return this.asLead(principal, caseId, 'request-assist', now, async (tx, ws) => {
      if (body.unitId === ws.unit_id) throw Problems.field('unitId', 'the lead unit does not cooperate with itself; invite another unit');
      const due = body.dueAt ? this.futureDeadline('dueAt', body.dueAt, now) : null;
      const [already] = await tx.query(`SELECT id FROM assists WHERE case_id = $1 AND unit_id = $2 AND state IN ('open', 'extension-requested')`, [caseId, body.unitId]);
      if (already) throw Problems.conflict(`${body.unitId} already has an open request on this case (${already.id}).`);
      const assistId = randomUUID();
      await tx.query(
        `INSERT INTO assists (id, case_id, lead_unit_id, unit_id, request, requested_by, requested_at, reply_within_minutes, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [assistId, caseId, ws.unit_id, body.unitId, body.request, principal.username, now, this.options.assistReplyMinutes, due],
      );
      return {
        event: newEvent(AssistRequested, {
          caseId,
          unitId: body.unitId,
          occurredAt: now,
          data: {
            assistId,
            unitId: body.unitId,
            leadUnitId: ws.unit_id,
            by: principal.username,
            request: body.request,
            ...(due ? { dueAt: due.toISOString() } : {}),
            replyWithinWorkingMinutes: this.options.assistReplyMinutes,
          },
        }),
        trail: { assistId, unitId: body.unitId, dueAt: due?.toISOString() ?? `${this.options.assistReplyMinutes} working minutes` },
        answer: { assistId, unitId: body.unitId, dueAt: due?.toISOString() ?? null, replyWithinWorkingMinutes: this.options.assistReplyMinutes },
      };
    });
  }

  replyAssist(principal: Principal, assistId: string, body: { reply: string; attachmentIds?: string[] }, now: Date) {
    return this.asInvited(principal, assistId, 'reply', now, async (tx, assist) => {
      const attachments = await this.claimAttachments(tx, principal, assist.case_id, body.attachmentIds ?? [], assistId, 'attachmentIds');
      await tx.query(`UPDATE assists SET state = 'replied', reply = $2, replied_by = $3, replied_at = $4 WHERE id = $1`, [assistId, body.reply, principal.username, now]);
      return {
        event: newEvent(AssistReplied, { caseId: assist.case_id, unitId: assist.unit_id, occurredAt: now, data: { assistId, unitId: assist.unit_id, by: principal.username, reply: body.reply, attachments } }),
        trail: { attachments: attachments.map((a) => a.attachmentId) },
      };
    });
  }

  declineAssist(principal: Principal, assistId: string, reason: string, now: Date) {
    return this.asInvited(principal, assistId, 'decline', now, async (tx, assist) => {
      await tx.query(`UPDATE assists SET state = 'declined', decline_reason = $2, replied_by = $3, replied_at = $4 WHERE id = $1`, [assistId, reason, principal.username, now]);
      return { event: newEvent(AssistDeclined, { caseId: assist.case_id, unitId: assist.unit_id, occurredAt: now, data: { assistId, unitId: assist.unit_id, by: principal.username, reason } }), trail: { reason } };
    });
  }

  askExtension(principal: Principal, assistId: string, body: { until: string; reason: string }, now: Date) {
    return this.asInvited(principal, assistId, 'ask-extension', now, async (tx, assist) => {
      const until = this.futureDeadline('until', body.until, now);
      if (assist.due_at && until.getTime() <= assist.due_at.getTime()) throw Problems.field('until', `must lie after the current deadline (${assist.due_at.toISOString()})`);
      await tx.query(`UPDATE assists SET state = 'extension-requested', extension_until = $2, extension_reason = $3 WHERE id = $1`, [assistId, until, body.reason]);
      return {
        event: newEvent(AssistExtensionRequested, { caseId: assist.case_id, unitId: assist.unit_id, occurredAt: now, data: { assistId, unitId: assist.unit_id, by: principal.username, until: until.toISOString(), reason: body.reason } }),
        trail: { until: until.toISOString(), reason: body.reason },
      };
    });
  }

  decideExtension(principal: Principal, assistId: string, body: { grant: boolean; reason?: string }, now: Date) {
    return this.asAssistLead(principal, assistId, 'decide-extension', now, async (tx, assist) => {
      const until = assist.extension_until!;
      if (body.grant && until.getTime() <= now.getTime()) throw Problems.conflict('The time asked for has already passed; ask the unit for a new date.');
      await tx.query(`UPDATE assists SET state = 'open', due_at = CASE WHEN $2 THEN extension_until ELSE due_at END, extension_until = NULL WHERE id = $1`, [assistId, body.grant]);
      return {
        event: newEvent(AssistExtensionDecided, {
          caseId: assist.case_id,
          unitId: assist.unit_id,
          occurredAt: now,
          data: { assistId, unitId: assist.unit_id, by: principal.username, granted: body.grant, until: until.toISOString(), ...(body.reason ? { reason: body.reason } : {}) },
        }),
        trail: { granted: body.grant, until: until.toISOString(), reason: body.reason ?? null },
      };
    });
  }

  remind(principal: Principal, assistId: string, now: Date) {
    return this.asAssistLead(principal, assistId, 'remind', now, async (tx, assist) => {
      const wait = this.options.reminderIntervalMinutes * 60_000;
      if (assist.last_reminded_at && now.getTime() - assist.last_reminded_at.getTime() < wait) {
        throw Problems.conflict(`The unit was reminded at ${assist.last_reminded_at.toISOString()}; remind again after ${this.options.reminderIntervalMinutes} minutes.`);
      }
      const reminders = assist.reminders + 1;
      await tx.query(`UPDATE assists SET reminders = $2, last_reminded_at = $3 WHERE id = $1`, [assistId, reminders, now]);
      return { event: newEvent(AssistReminded, { caseId: assist.case_id, unitId: assist.unit_id, occurredAt: now, data: { assistId, unitId: assist.unit_id, by: principal.username, reminders } }), trail: { reminders } };
    });
  }

  cancelAssist(principal: Principal, assistId: string, reason: string, now: Date) {
    return this.asAssistLead(principal, assistId, 'decline', now, async (tx, assist) => {
      await tx.query(`UPDATE assists SET state = 'cancelled', decline_reason = $2 WHERE id = $1`, [assistId, reason]);
      return { event: newEvent(AssistCancelled, { caseId: assist.case_id, unitId: assist.unit_id, occurredAt: now, data: { assistId, unitId: assist.unit_id, by: principal.username, reason } }), trail: { reason } };
    });
  }

  // ── co-signing (会签) ─────────────────────────────────────────────────────

  proposeSolution(principal: Principal, caseId: string, body: { solution: string; units: string[] }, now: Date) {
    return this.asLead(principal, caseId, 'propose-solution', now, async (tx, ws) => {
      if (body.units.includes(ws.unit_id)) throw Problems.field('units', 'list the other units; the lead unit signs by proposing');
      // A new proposal replaces one still being co-signed (its decisions stay in the trail).
      await tx.query(`UPDATE cosigns SET state = 'superseded', closed_at = $2 WHERE case_id = $1 AND state = 'open'`, [caseId, now]);
      const cosignId = randomUUID();
      await tx.query(`INSERT INTO cosigns (id, case_id, solution, units, proposed_by, proposed_at) VALUES ($1, $2, $3, $4, $5, $6)`, [cosignId, caseId, body.solution, body.units, principal.username, now]);
      return {
        event: newEvent(CosignRequested, { caseId, unitId: ws.unit_id, occurredAt: now, data: { cosignId, by: principal.username, solution: body.solution, units: body.units } }),
        trail: { cosignId, units: body.units },
        answer: { cosignId, units: body.units, state: 'open' },
      };
    });
  }

  async decideCosign(principal: Principal, cosignId: string, body: { decision: 'approve' | 'reject'; reason?: string }, now: Date) {
    return this.runtime.dataSource.transaction(async (tx) => {
      const [round] = await tx.query(`SELECT id, case_id, units, state FROM cosigns WHERE id = $1 FOR UPDATE`, [cosignId]);
      if (!round) throw Problems.notFound('Co-sign round');
      const unitId = principal.unitId;
      if (!unitId || !(round.units as string[]).includes(unitId) || !hasRole(principal, 'handler', 'unit-head')) {
        throw Problems.forbidden(`Only the listed units (${(round.units as string[]).join(', ')}) sign this solution off.`);
      }
      if (round.state !== 'open') throw Problems.conflict(`The co-sign round is ${round.state}; nothing more is decided in it.`);
      if (body.decision === 'reject' && !body.reason) throw Problems.field('reason', 'a rejection needs a reason the lead unit can act on');
      const [done] = await tx.query(`SELECT decision FROM cosign_decisions WHERE cosign_id = $1 AND unit_id = $2`, [cosignId, unitId]);
      if (done) throw Problems.conflict(`${unitId} already decided (${done.decision}); decisions are final.`);
      await tx.query(`INSERT INTO cosign_decisions (cosign_id, unit_id, decision, reason, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
        cosignId,
        unitId,
        body.decision,
        body.reason ?? null,
        principal.username,
        now,
      ]);
      const decisions: { unitId: string; decision: 'approve' | 'reject' }[] = await tx.query(`SELECT unit_id AS "unitId", decision FROM cosign_decisions WHERE cosign_id = $1`, [cosignId]);
      const state = cosignOutcome(round.units, decisions);
      if (state !== 'open') await tx.query(`UPDATE cosigns SET state = $2, closed_at = $3 WHERE id = $1`, [cosignId, state, now]);
      const events: AnyEnvelope[] = [
        newEvent(CosignDecided, { caseId: round.case_id, unitId, occurredAt: now, data: { cosignId, unitId, by: principal.username, decision: body.decision, ...(body.reason ? { reason: body.reason } : {}) } }),
      ];
      if (state === 'agreed') events.push(newEvent(CaseCosigned, { caseId: round.case_id, unitId, occurredAt: now, data: { cosignId, units: round.units } }));
      await this.record(tx, principal, round.case_id, now, body.decision === 'approve' ? 'cosign-approved' : 'cosign-rejected', { cosignId, reason: body.reason ?? null, roundState: state }, events, unitId);
      return { cosignId, state, decisions };
    });
  }

  // ── shared steps ──────────────────────────────────────────────────────────

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
  private asLead<T extends Record<string, unknown> | undefined>(
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

  private asInvited(
    principal: Principal,
    assistId: string,
    action: 'reply' | 'decline' | 'ask-extension',
    now: Date,
    change: (tx: EntityManager, assist: AssistRow) => Promise<{ event: AnyEnvelope; trail: Record<string, unknown> }>,
  ) {
    const authorize = (assist: AssistRow) => {
      if (principal.unitId !== assist.unit_id || !hasRole(principal, 'handler', 'unit-head')) {
        throw Problems.forbidden(`Only the invited unit (${assist.unit_id}) answers this request.`);
      }
    };
    return this.onAssist(principal, assistId, now, action, authorize, change);
  }

  private asAssistLead(
    principal: Principal,
    assistId: string,
    action: 'decide-extension' | 'remind' | 'decline',
    now: Date,
    change: (tx: EntityManager, assist: AssistRow) => Promise<{ event: AnyEnvelope; trail: Record<string, unknown> }>,
  ) {
    return this.onAssist(principal, assistId, now, action, (assist) => this.mustLead(principal, assist.lead_unit_id), change);
  }

  /** Who may act is checked before the request's state, so an outsider learns nothing about it. */
  private onAssist(
    principal: Principal,
    assistId: string,
    now: Date,
    action: 'reply' | 'decline' | 'ask-extension' | 'decide-extension' | 'remind',
    authorize: (assist: AssistRow) => void,
    change: (tx: EntityManager, assist: AssistRow) => Promise<{ event: AnyEnvelope; trail: Record<string, unknown> }>,
  ) {
    return this.runtime.dataSource.transaction(async (tx) => {
      const [assist]: AssistRow[] = await tx.query(
        `SELECT id, case_id, lead_unit_id, unit_id, state, due_at, extension_until, last_reminded_at, reminders FROM assists WHERE id = $1 FOR UPDATE`,
        [assistId],
      );
      if (!assist) throw Problems.notFound('Cooperation request');
      // Whoever cannot see the case does not learn that the request exists (its units and oversight can).
      if (principal.unitId !== assist.unit_id && principal.unitId !== assist.lead_unit_id) {
        await this.mustSee(tx, principal, await this.liveWorkspace(tx, assist.case_id, false)).catch(() => {
          throw Problems.notFound('Cooperation request');
        });
      }
      authorize(assist);
      let state: AssistState;
      try {
        state = assistTransition(assist.state, action);
      } catch (error) {
        if (error instanceof AssistTransitionRefused) throw Problems.conflict(error.message);
        throw error;
      }
      const { event, trail } = await change(tx, assist);
      await this.record(tx, principal, assist.case_id, now, `assist-${event.type.split('.')[1]}`, { assistId, ...trail }, [event]);
      return { assistId, caseId: assist.case_id, state: event.type === AssistCancelled.type ? 'cancelled' : state };
    });
  }

  private mustLead(principal: Principal, leadUnitId: string): void {
    if (principal.unitId !== leadUnitId || !hasRole(principal, 'handler', 'unit-head')) {
      throw Problems.forbidden(`Only the lead unit (${leadUnitId}) does this; cooperating units reply to their requests and never close the case.`);
    }
  }

  private step(state: WorkspaceState, action: WorkspaceAction): WorkspaceState {
    try {
      return transition(state, action);
    } catch (error) {
      if (error instanceof TransitionRefused) throw Problems.conflict(error.message);
      throw error;
    }
  }

  private futureDeadline(field: string, value: string, now: Date): Date {
    const at = new Date(value);
    if (!(at.getTime() > now.getTime() + 60_000)) throw Problems.field(field, 'must lie in the future (at least a minute from now)');
    if (at.getTime() - now.getTime() > MAX_DEADLINE_DAYS * 86_400_000) throw Problems.field(field, `must lie within ${MAX_DEADLINE_DAYS} days`);
    return at;
  }

  /** Attaches uploaded files of the caller's unit to a note, result or reply (each file once). */
  private async claimAttachments(tx: EntityManager, principal: Principal, caseId: string, ids: string[], usedBy: string, field: string): Promise<AttachmentRef[]> {
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

const ASSIST_COLUMNS = `id, case_id AS "caseId", lead_unit_id AS "leadUnitId", unit_id AS "unitId", request, requested_by AS "requestedBy", requested_at AS "requestedAt",
  reply_within_minutes AS "replyWithinWorkingMinutes", due_at AS "dueAt", state, reply, replied_by AS "repliedBy", replied_at AS "repliedAt",
  decline_reason AS "declineReason", extension_until AS "extensionUntil", extension_reason AS "extensionReason", reminders, last_reminded_at AS "lastRemindedAt"`;
