import { Type } from '@sinclair/typebox';
import { CategoryCode, Channel, Confidentiality, Location, RatingLevel, Tier, Timestamp, Uuid } from '../common';
import { defineEvent } from '../envelope';
import { Username } from './shared';

/** Intake's events (topic duban.intake.events): cases filed, reclassified, linked as repeats, their confidentiality, and ratings given through Open311. */

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
