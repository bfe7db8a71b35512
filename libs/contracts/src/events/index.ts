import { Type } from '@sinclair/typebox';
import { CategoryCode, Channel, Confidentiality, Location, RatingLevel, Tier, Timestamp, UnitCode, Uuid } from '../common';
import { defineEvent, EventDefinition } from '../envelope';

const Username = Type.String({ minLength: 1, maxLength: 100 });

/**
 * The stages that have time limits: the first response (accept / start), the result (result for
 * immediate cases, complete for general ones, solution for complex ones), the coordinator's
 * designation, a cooperating unit's reply (assist) and a supervision order.
 */
export const ClockStage = Type.Union([
  Type.Literal('accept'),
  Type.Literal('start'),
  Type.Literal('result'),
  Type.Literal('complete'),
  Type.Literal('solution'),
  Type.Literal('designate'),
  Type.Literal('assist'),
  Type.Literal('supervision'),
]);

export const CaseReceived = defineEvent(
  'case.received',
  1,
  'intake',
  'A case was accepted by intake (受理) and is waiting to be dispatched.',
  Type.Object(
    {
      title: Type.String({ maxLength: 200 }),
      description: Type.String({ maxLength: 5000 }),
      category: CategoryCode,
      tier: Tier,
      channel: Channel,
      reporter: Type.Object({ subject: Type.String({ maxLength: 100 }), username: Type.Optional(Username) }),
      location: Type.Optional(Location),
      receivedAt: Timestamp,
      traceId: Type.Optional(Type.String({ maxLength: 32 })),
      sourceReference: Type.Optional(Type.String({ maxLength: 200 })),
      /** Absent in events written before confidentiality levels: `public`. */
      confidentiality: Type.Optional(Confidentiality),
      classification: Type.Optional(
        Type.Object(
          {
            method: Type.Union([Type.Literal('explicit'), Type.Literal('keywords')]),
            /** The tier was set explicitly (a leader's priority), not taken from the category. */
            explicitTier: Type.Optional(Type.Boolean()),
            keywords: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 }),
            urgency: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 }),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
);

export const CaseReclassified = defineEvent(
  'case.reclassified',
  1,
  'intake',
  'A dispatcher changed the category or tier of a case; time limits are recomputed from the original start.',
  Type.Object(
    {
      fromCategory: CategoryCode,
      toCategory: CategoryCode,
      fromTier: Tier,
      toTier: Tier,
      reason: Type.String({ maxLength: 1000 }),
      by: Username,
    },
    { additionalProperties: false },
  ),
);

export const CaseConfidentialityChanged = defineEvent(
  'case.confidentiality-changed',
  1,
  'intake',
  'A person cleared for both levels changed the confidentiality of a case (公开 / 内部 / 秘密), with a reason; every service limits reads of the case by the new level.',
  Type.Object(
    {
      from: Confidentiality,
      to: Confidentiality,
      reason: Type.String({ maxLength: 1000 }),
      by: Username,
    },
    { additionalProperties: false },
  ),
);

export const CaseDuplicateLinked = defineEvent(
  'case.duplicate-linked',
  1,
  'intake',
  'A report repeats an open case (same category and place, or near-identical text): it is linked to that case and follows its progress instead of being handled twice.',
  Type.Object(
    {
      originalId: Uuid,
      reason: Type.Union([Type.Literal('place'), Type.Literal('text')]),
      distanceMeters: Type.Optional(Type.Integer({ minimum: 0 })),
      similarity: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
      category: CategoryCode,
      channel: Channel,
    },
    { additionalProperties: false },
  ),
);

export const CaseDuplicateUnlinked = defineEvent(
  'case.duplicate-unlinked',
  1,
  'intake',
  'A dispatcher decided a linked report is a matter of its own; it is received (case.received follows) and handled on its own.',
  Type.Object({ originalId: Uuid, by: Username, reason: Type.String({ maxLength: 1000 }) }, { additionalProperties: false }),
);

export const CaseAssigned = defineEvent(
  'case.assigned',
  1,
  'dispatch',
  'Dispatch (分派) gave the case to exactly one responsible unit and person, and recorded why.',
  Type.Object(
    {
      assignmentId: Uuid,
      unitId: UnitCode,
      unitName: Type.String({ maxLength: 200 }),
      assignee: Type.Union([Username, Type.Null()]),
      category: CategoryCode,
      tier: Tier,
      rule: Type.Object({ id: Type.String({ maxLength: 200 }), version: Type.Integer({ minimum: 1 }) }),
      reason: Type.String({ maxLength: 1000 }),
      /**
       * How the unit was chosen: a routing rule; a rule again after a return (`reroute`); the
       * coordinator queue (`coordinator`: the supervision office designates the lead unit, on a
       * clock escalation starts); the coordinator's designation; or a dispatcher's reassignment.
       */
      via: Type.Optional(
        Type.Union([
          Type.Literal('rule'),
          Type.Literal('reroute'),
          Type.Literal('coordinator'),
          Type.Literal('designation'),
          Type.Literal('reassignment'),
        ]),
      ),
      previousUnitId: Type.Optional(UnitCode),
      /** The person who decided, when a person did (designation, reassignment). */
      by: Type.Optional(Username),
      /** The case's confidentiality as dispatch knows it, so every service holding the case can limit reads (absent: `public`). */
      confidentiality: Type.Optional(Confidentiality),
      /** The unit and its ancestors, root first (`city`, …, `unitId`): the heads of these units reach the case. */
      unitPath: Type.Optional(Type.Array(UnitCode, { maxItems: 20 })),
    },
    { additionalProperties: false },
  ),
);

export const CaseReturned = defineEvent(
  'case.returned',
  1,
  'dispatch',
  'The responsible unit returned the case as not theirs (退回), with a reason; dispatch routes it again or to the coordinator queue.',
  Type.Object(
    {
      assignmentId: Uuid,
      unitId: UnitCode,
      reason: Type.String({ maxLength: 1000 }),
      by: Username,
      /** How many times the case has been returned, this one included. */
      returns: Type.Integer({ minimum: 1 }),
    },
    { additionalProperties: false },
  ),
);

export const CaseLeadDesignated = defineEvent(
  'case.lead-designated',
  1,
  'dispatch',
  'The coordinator (supervision office) designated the lead unit of a case nobody could route (指定牵头单位).',
  Type.Object(
    {
      unitId: UnitCode,
      unitName: Type.String({ maxLength: 200 }),
      by: Username,
      reason: Type.String({ maxLength: 1000 }),
    },
    { additionalProperties: false },
  ),
);

export const SlaClockStarted = defineEvent(
  'sla.clock-started',
  1,
  'escalation',
  'Escalation started a time limit for one stage of the case; dueAt is computed in working time.',
  Type.Object(
    {
      clockId: Uuid,
      stage: ClockStage,
      tier: Tier,
      startedAt: Timestamp,
      dueAt: Timestamp,
      policy: Type.String({ maxLength: 100 }),
      /** What the clock belongs to besides the case: the cooperation request of an `assist` clock. */
      ref: Type.Optional(Uuid),
    },
    { additionalProperties: false },
  ),
);

export const SlaLightChanged = defineEvent(
  'sla.light-changed',
  1,
  'escalation',
  "A stage's time limit changed colour (红黄灯): yellow and orange warn the handler and the unit head, red means the limit ran out and the supervision office is warned.",
  Type.Object(
    {
      clockId: Uuid,
      stage: Type.String({ maxLength: 40 }),
      light: Type.Union([Type.Literal('yellow'), Type.Literal('orange'), Type.Literal('red')]),
      /** Who the warning ladder reaches at this colour. */
      rung: Type.Union([Type.Literal('handler'), Type.Literal('unit-head'), Type.Literal('supervision-office')]),
      dueAt: Timestamp,
      scheduledAt: Timestamp,
    },
    { additionalProperties: false },
  ),
);

export const SupervisionOrdered = defineEvent(
  'case.supervision-ordered',
  1,
  'escalation',
  'A supervisor put the case under supervision (督办单) with a new time limit and, usually, a required reply from the responsible unit.',
  Type.Object(
    {
      orderId: Uuid,
      unitId: UnitCode,
      by: Username,
      reason: Type.String({ maxLength: 1000 }),
      dueAt: Timestamp,
      replyRequired: Type.Boolean(),
    },
    { additionalProperties: false },
  ),
);

export const SupervisionReplied = defineEvent(
  'case.supervision-replied',
  1,
  'escalation',
  "The responsible unit replied to a supervision order (督办回复); the order's time limit is met.",
  Type.Object(
    { orderId: Uuid, unitId: UnitCode, by: Username, reply: Type.String({ maxLength: 4000 }), onTime: Type.Boolean() },
    { additionalProperties: false },
  ),
);

export const SupervisionEscalated = defineEvent(
  'case.supervision-escalated',
  1,
  'escalation',
  'A department-level case was still open at the limit of its stage, so it became an organisation-level case (升级督办).',
  Type.Object(
    { level: Type.Literal('organisation'), clockId: Uuid, stage: Type.String({ maxLength: 40 }), dueAt: Timestamp },
    { additionalProperties: false },
  ),
);

export const CardIssued = defineEvent(
  'unit.card-issued',
  1,
  'escalation',
  "A unit got a card for a case: yellow (黄牌) when a department-level case ran past its limit or its result was rejected, red (红牌) when an organisation-level case ran past its limit.",
  Type.Object(
    { cardId: Uuid, unitId: UnitCode, kind: Type.Union([Type.Literal('yellow'), Type.Literal('red')]), clockId: Type.Optional(Uuid), stage: Type.String({ maxLength: 40 }), reason: Type.String({ maxLength: 500 }) },
    { additionalProperties: false },
  ),
);

export const RectificationStarted = defineEvent(
  'unit.rectification-started',
  1,
  'escalation',
  'Two consecutive yellow cards started a rectification (整改) of the unit.',
  Type.Object({ rectificationId: Uuid, unitId: UnitCode, cardIds: Type.Array(Uuid, { maxItems: 10 }) }, { additionalProperties: false }),
);

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

export const RectificationClosed = defineEvent(
  'unit.rectification-closed',
  1,
  'escalation',
  "A supervisor closed a unit's rectification (整改) with a summary of what changed.",
  Type.Object({ rectificationId: Uuid, unitId: UnitCode, by: Username, summary: Type.String({ maxLength: 4000 }) }, { additionalProperties: false }),
);

export const NotificationDelivered = defineEvent(
  'notification.delivered',
  1,
  'notification',
  'A notification about the case reached a person on one channel.',
  Type.Object(
    {
      notificationId: Uuid,
      recipient: Username,
      channel: Type.Union([Type.Literal('in-app')]),
      template: Type.String({ maxLength: 100 }),
    },
    { additionalProperties: false },
  ),
);

export const CaseRated = defineEvent(
  'case.rated',
  1,
  'assessment',
  'The reporter rated a resolution of the case (评价), or the rating window closed and the documented default was recorded.',
  Type.Object(
    {
      ratingId: Uuid,
      unitId: UnitCode,
      /** Which resolution of the case was rated (1, then 2 after a rebound, …). */
      round: Type.Integer({ minimum: 1 }),
      level: RatingLevel,
      /** Satisfaction 0–100. */
      score: Type.Integer({ minimum: 0, maximum: 100 }),
      via: Type.Union([Type.Literal('api'), Type.Literal('link'), Type.Literal('open311'), Type.Literal('default')]),
    },
    { additionalProperties: false },
  ),
);

export const RatingSubmitted = defineEvent(
  'case.rating-submitted',
  1,
  'intake',
  'A reporter rated a resolved case through an intake channel (Open311); assessment records it once, for the latest resolution, if it comes from the case\'s reporter.',
  Type.Object(
    {
      reporterSubject: Type.String({ maxLength: 100 }),
      level: RatingLevel,
      comment: Type.Optional(Type.String({ maxLength: 1000 })),
      via: Type.Literal('open311'),
    },
    { additionalProperties: false },
  ),
);

export const CaseRebounded = defineEvent(
  'case.rebounded',
  1,
  'assessment',
  'The reporter was not satisfied: the case goes back to its unit (重办) and counts as a rebound against it.',
  Type.Object(
    { ratingId: Uuid, unitId: UnitCode, round: Type.Integer({ minimum: 1 }), level: RatingLevel, reason: Type.String({ maxLength: 1000 }) },
    { additionalProperties: false },
  ),
);

export const CaseRevisited = defineEvent(
  'case.revisited',
  1,
  'assessment',
  'Revisit staff called the reporter back (回访) some days after the resolution and recorded what they found.',
  Type.Object(
    {
      revisitId: Uuid,
      unitId: UnitCode,
      round: Type.Integer({ minimum: 1 }),
      /** Days after the resolution the revisit was planned for (30, 90, …). */
      afterDays: Type.Integer({ minimum: 1 }),
      outcome: Type.Union([Type.Literal('resolved'), Type.Literal('recurred'), Type.Literal('unreachable')]),
      by: Username,
      note: Type.Optional(Type.String({ maxLength: 1000 })),
    },
    { additionalProperties: false },
  ),
);

export const CaseClosed = defineEvent(
  'case.closed',
  1,
  'assessment',
  'The case is closed and archived (归档): its resolution was rated without a rebound and every revisit found the problem solved or the reporter unreachable.',
  Type.Object({ unitId: UnitCode, round: Type.Integer({ minimum: 1 }), reason: Type.String({ maxLength: 500 }) }, { additionalProperties: false }),
);

/** Every event the platform knows, by type; the source of the AsyncAPI document. */
export const EVENT_CATALOGUE: readonly EventDefinition[] = [
  CaseReceived,
  CaseReclassified,
  CaseConfidentialityChanged,
  CaseDuplicateLinked,
  CaseDuplicateUnlinked,
  CaseAssigned,
  CaseReturned,
  CaseLeadDesignated,
  SlaClockStarted,
  SlaLightChanged,
  SupervisionOrdered,
  SupervisionReplied,
  SupervisionEscalated,
  CardIssued,
  RectificationStarted,
  RectificationClosed,
  WorkspaceOpened,
  CaseAccepted,
  CaseProgressed,
  CasePaused,
  CaseResumed,
  ResultSubmitted,
  ResultRejected,
  CaseResolved,
  AssistRequested,
  AssistExtensionRequested,
  AssistExtensionDecided,
  AssistReplied,
  AssistDeclined,
  AssistReminded,
  AssistCancelled,
  CosignRequested,
  CosignDecided,
  CaseCosigned,
  TaskForceFormed,
  TaskChanged,
  NotificationDelivered,
  CaseRated,
  RatingSubmitted,
  CaseRebounded,
  CaseRevisited,
  CaseClosed,
];

export function eventDefinition(type: string): EventDefinition | undefined {
  return EVENT_CATALOGUE.find((e) => e.type === type);
}
