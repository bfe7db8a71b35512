import { Type } from '@sinclair/typebox';
import { Timestamp, UnitCode, Uuid } from '../common';
import { defineEvent } from '../envelope';
import { Username } from './shared';

/** Collaboration's events (topic duban.collaboration.events): the handling of a case, cooperating units, co-signing and task forces. */

export const WorkspaceOpened = defineEvent(
  'case.workspace-opened',
  1,
  'collaboration',
  'The responsible unit has a handling workspace for the case and is expected to sign for it (签收).',
  Type.Object(
    { workspaceId: Uuid, unitId: UnitCode, handler: Type.Union([Username, Type.Null()]) },
    { additionalProperties: false },
  ),
);

const AttachmentRef = Type.Object(
  { attachmentId: Uuid, name: Type.String({ maxLength: 200 }), contentType: Type.String({ maxLength: 100 }), size: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);
const Reason = Type.String({ maxLength: 2000 });

export const CaseAccepted = defineEvent(
  'case.accepted',
  1,
  'collaboration',
  'The responsible unit signed for the case (签收); the first-response limit is met.',
  Type.Object({ workspaceId: Uuid, unitId: UnitCode, by: Username }, { additionalProperties: false }),
);

export const CaseProgressed = defineEvent(
  'case.progressed',
  1,
  'collaboration',
  'A progress note (办理进展) with its attachments, by the lead unit or a cooperating unit.',
  Type.Object(
    { noteId: Uuid, unitId: UnitCode, by: Username, text: Type.String({ maxLength: 4000 }), attachments: Type.Array(AttachmentRef, { maxItems: 10 }) },
    { additionalProperties: false },
  ),
);

export const CasePaused = defineEvent(
  'case.paused',
  1,
  'collaboration',
  "The case waits on the reporter (e.g. for a document or access); the lead unit's time limits stop until it resumes.",
  Type.Object({ workspaceId: Uuid, unitId: UnitCode, by: Username, reason: Reason }, { additionalProperties: false }),
);

export const CaseResumed = defineEvent(
  'case.resumed',
  1,
  'collaboration',
  "The reporter answered; the lead unit's time limits run again, extended by the time the case waited.",
  Type.Object({ workspaceId: Uuid, unitId: UnitCode, by: Username, pausedAt: Timestamp }, { additionalProperties: false }),
);

export const ResultSubmitted = defineEvent(
  'case.result-submitted',
  1,
  'collaboration',
  'The lead unit submitted its result with evidence (反馈); the result limit is met, and the result waits for review.',
  Type.Object(
    { resultId: Uuid, unitId: UnitCode, by: Username, summary: Type.String({ maxLength: 4000 }), evidence: Type.Array(AttachmentRef, { maxItems: 20 }) },
    { additionalProperties: false },
  ),
);

export const ResultRejected = defineEvent(
  'case.result-rejected',
  1,
  'collaboration',
  'A reviewer rejected the submitted result (退回重办): the case goes back to the lead unit, which gets a yellow card.',
  Type.Object({ resultId: Uuid, unitId: UnitCode, by: Username, reason: Reason }, { additionalProperties: false }),
);

export const CaseResolved = defineEvent(
  'case.resolved',
  1,
  'collaboration',
  'A reviewer accepted the result: the case is resolved and waits for the reporter\'s rating.',
  Type.Object(
    { resultId: Uuid, unitId: UnitCode, by: Username, reviewedBy: Username, summary: Type.String({ maxLength: 4000 }) },
    { additionalProperties: false },
  ),
);

export const AssistRequested = defineEvent(
  'assist.requested',
  1,
  'collaboration',
  'The lead unit invited a cooperating unit (配合单位) with a sub-request; it must reply by its deadline (default 4 working hours, computed by escalation).',
  Type.Object(
    {
      assistId: Uuid,
      unitId: UnitCode,
      leadUnitId: UnitCode,
      by: Username,
      request: Type.String({ maxLength: 2000 }),
      /** An explicit deadline the lead set, or absent: the default policy in working time. */
      dueAt: Type.Optional(Timestamp),
      replyWithinWorkingMinutes: Type.Integer({ minimum: 1 }),
    },
    { additionalProperties: false },
  ),
);

export const AssistExtensionRequested = defineEvent(
  'assist.extension-requested',
  1,
  'collaboration',
  'A cooperating unit asked the lead unit for more time, with a reason.',
  Type.Object({ assistId: Uuid, unitId: UnitCode, by: Username, until: Timestamp, reason: Reason }, { additionalProperties: false }),
);

export const AssistExtensionDecided = defineEvent(
  'assist.extension-decided',
  1,
  'collaboration',
  "The lead unit granted or refused a cooperating unit's request for more time; a grant moves the reply deadline.",
  Type.Object(
    { assistId: Uuid, unitId: UnitCode, by: Username, granted: Type.Boolean(), until: Timestamp, reason: Type.Optional(Reason) },
    { additionalProperties: false },
  ),
);

export const AssistReplied = defineEvent(
  'assist.replied',
  1,
  'collaboration',
  "A cooperating unit replied to its sub-request; its reply limit is met.",
  Type.Object(
    { assistId: Uuid, unitId: UnitCode, by: Username, reply: Type.String({ maxLength: 4000 }), attachments: Type.Array(AttachmentRef, { maxItems: 10 }) },
    { additionalProperties: false },
  ),
);

export const AssistDeclined = defineEvent(
  'assist.declined',
  1,
  'collaboration',
  'A cooperating unit declined its sub-request, with a reason; the lead unit decides what to do next.',
  Type.Object({ assistId: Uuid, unitId: UnitCode, by: Username, reason: Reason }, { additionalProperties: false }),
);

export const AssistReminded = defineEvent(
  'assist.reminded',
  1,
  'collaboration',
  'The lead unit reminded a cooperating unit of an open sub-request (催办).',
  Type.Object({ assistId: Uuid, unitId: UnitCode, by: Username, reminders: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
);

export const AssistCancelled = defineEvent(
  'assist.cancelled',
  1,
  'collaboration',
  'The lead unit withdrew a sub-request it no longer needs; the cooperating unit owes no reply.',
  Type.Object({ assistId: Uuid, unitId: UnitCode, by: Username, reason: Reason }, { additionalProperties: false }),
);

export const CosignRequested = defineEvent(
  'case.cosign-requested',
  1,
  'collaboration',
  'The lead unit put a solution that binds several units to co-signing (会签); each listed unit must sign off.',
  Type.Object(
    { cosignId: Uuid, by: Username, solution: Type.String({ maxLength: 8000 }), units: Type.Array(UnitCode, { maxItems: 20 }) },
    { additionalProperties: false },
  ),
);

export const CosignDecided = defineEvent(
  'case.cosign-decided',
  1,
  'collaboration',
  'One listed unit approved or rejected the solution (决策留痕); a rejection sends it back to the lead unit.',
  Type.Object(
    { cosignId: Uuid, unitId: UnitCode, by: Username, decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]), reason: Type.Optional(Reason) },
    { additionalProperties: false },
  ),
);

export const CaseCosigned = defineEvent(
  'case.cosigned',
  1,
  'collaboration',
  'Every listed unit signed the solution off: it binds them, and the solution limit is met.',
  Type.Object({ cosignId: Uuid, units: Type.Array(UnitCode, { maxItems: 20 }) }, { additionalProperties: false }),
);

export const TaskForceFormed = defineEvent(
  'taskforce.formed',
  1,
  'collaboration',
  'A task force (专班) with members from several units was formed for the case.',
  Type.Object(
    { taskForceId: Uuid, name: Type.String({ maxLength: 200 }), by: Username, members: Type.Array(UnitCode, { maxItems: 50 }) },
    { additionalProperties: false },
  ),
);

export const TaskChanged = defineEvent(
  'taskforce.task-changed',
  1,
  'collaboration',
  "A task of a task force's tree (goal → sub-project → action item) was added or progressed.",
  Type.Object(
    {
      taskForceId: Uuid,
      taskId: Uuid,
      level: Type.Union([Type.Literal('goal'), Type.Literal('sub-project'), Type.Literal('action')]),
      title: Type.String({ maxLength: 300 }),
      ownerUnitId: UnitCode,
      dueAt: Timestamp,
      progress: Type.Integer({ minimum: 0, maximum: 100 }),
      state: Type.Union([Type.Literal('open'), Type.Literal('done'), Type.Literal('cancelled')]),
      by: Username,
    },
    { additionalProperties: false },
  ),
);
