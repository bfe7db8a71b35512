import { Type } from '@sinclair/typebox';
import { RatingLevel, UnitCode, Uuid } from '../common';
import { defineEvent } from '../envelope';
import { Username } from './shared';

/** Assessment's events (topic duban.assessment.events): ratings, rebounds, revisits and closing. */

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
