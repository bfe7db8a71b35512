import { Type } from '@sinclair/typebox';
import { Tier, Timestamp, UnitCode, Uuid } from '../common';
import { defineEvent } from '../envelope';
import { Username } from './shared';

/** Escalation's events (topic duban.escalation.events): time limits and their lights, supervision orders, cards and rectifications. */

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


export const RectificationClosed = defineEvent(
  'unit.rectification-closed',
  1,
  'escalation',
  "A supervisor closed a unit's rectification (整改) with a summary of what changed.",
  Type.Object({ rectificationId: Uuid, unitId: UnitCode, by: Username, summary: Type.String({ maxLength: 4000 }) }, { additionalProperties: false }),
);
