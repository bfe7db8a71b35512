import { CaseAccepted, CasePaused, CaseProgressed, CaseResolved, CaseResumed, newEvent, ResultRejected, ResultSubmitted } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { HttpProblem, Problems, ServiceRuntime } from '@duban/service-defaults';
import { createHash, randomUUID } from 'node:crypto';
import { ATTACHMENT_TYPES, contentProblem, safeFileName } from '../domain/attachments';
import { WorkspaceAction } from '../domain/workspace';
import { AttachmentStore } from '../infrastructure/attachment-store';
import { HandlingOptions, WorkspaceSteps, ASSIST_COLUMNS } from './workspace-steps';

export type { HandlingOptions, Workspace } from './workspace-steps';

/**
 * The handling workspace (办理): what the lead unit does with its case — sign-for, notes with
 * attachments, waiting on the reporter, results and their review. Every change is one
 * transaction with its event (outbox) and its line in the decision trail (决策留痕).
 */
export class Handling extends WorkspaceSteps {
  constructor(
    runtime: ServiceRuntime,
    private readonly store: AttachmentStore,
    options: HandlingOptions,
  ) {
    super(runtime, options);
  }

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
}
