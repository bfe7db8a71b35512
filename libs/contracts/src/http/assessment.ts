import { Static, Type } from '@sinclair/typebox';
import { RatingLevel, Text } from '../common';

/** Assessment's bodies: ratings and revisits. */

/** Body of POST /api/v1/assessment/ratings/{caseId} (the reporter): a rating of the latest resolution. */
export const RatingRequest = Type.Object(
  {
    level: RatingLevel,
    comment: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type RatingRequest = Static<typeof RatingRequest>;

/** Body of POST /api/v1/ratings/by-link (no account: the signed link is the credential). */
export const LinkRatingRequest = Type.Object(
  { token: Type.String({ minLength: 10, maxLength: 500 }), level: RatingLevel, comment: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })) },
  { additionalProperties: false },
);
export type LinkRatingRequest = Static<typeof LinkRatingRequest>;

/** Body of POST /api/v1/assessment/revisits/{id} (revisit staff): what the call back found. */
export const RevisitRequest = Type.Object(
  {
    outcome: Type.Union([Type.Literal('resolved'), Type.Literal('recurred'), Type.Literal('unreachable')]),
    note: Type.Optional(Text(1, 1000)),
  },
  { additionalProperties: false },
);
export type RevisitRequest = Static<typeof RevisitRequest>;
