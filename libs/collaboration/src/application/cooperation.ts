import {
  AnyEnvelope,
  AssistCancelled,
  AssistDeclined,
  AssistExtensionDecided,
  AssistExtensionRequested,
  AssistReminded,
  AssistReplied,
  AssistRequested,
  CaseCosigned,
  CosignDecided,
  CosignRequested,
  newEvent,
} from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { Problems, clearedCases } from '@duban/service-defaults';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { assistTransition, AssistState, AssistTransitionRefused, cosignOutcome } from '../domain/workspace';
import { AssistRow, WorkspaceSteps, ASSIST_COLUMNS } from './workspace-steps';

/**
 * Working together on a case (协同): cooperating units (配合单位) asked for help, their replies,
 * extensions and reminders, and co-signing a complex case's solution (会签). Each change is one
 * transaction with its event and its trail line, like the lead unit's own work (Handling).
 */
export class Cooperation extends WorkspaceSteps {
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

}
