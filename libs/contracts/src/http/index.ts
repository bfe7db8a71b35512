import { Static, Type } from '@sinclair/typebox';
import { CategoryCode, Channel, Location, Tier, Timestamp, UnitCode, Uuid } from '../common';

/** Body of POST /api/v1/cases. Every field is bounded; unknown fields are refused. */
export const CreateCaseRequest = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.String({ minLength: 1, maxLength: 5000 }),
    category: CategoryCode,
    channel: Type.Optional(Channel),
    location: Type.Optional(Location),
  },
  { additionalProperties: false },
);
export type CreateCaseRequest = Static<typeof CreateCaseRequest>;

export const TimelineEntry = Type.Object({
  eventId: Uuid,
  type: Type.String(),
  source: Type.String(),
  occurredAt: Timestamp,
  unitId: Type.Union([UnitCode, Type.Null()]),
  summary: Type.String(),
});

export const CaseStatus = Type.Union([
  Type.Literal('received'),
  Type.Literal('assigned'),
  Type.Literal('in-progress'),
  Type.Literal('resolved'),
  Type.Literal('closed'),
]);

export const CaseView = Type.Object({
  id: Uuid,
  title: Type.String(),
  description: Type.String(),
  category: CategoryCode,
  tier: Tier,
  channel: Channel,
  status: CaseStatus,
  unitId: Type.Union([UnitCode, Type.Null()]),
  unitName: Type.Union([Type.String(), Type.Null()]),
  assignee: Type.Union([Type.String(), Type.Null()]),
  deadline: Type.Union([Timestamp, Type.Null()]),
  receivedAt: Timestamp,
  traceId: Type.Union([Type.String(), Type.Null()]),
  timeline: Type.Array(TimelineEntry),
});
export type CaseView = Static<typeof CaseView>;

/** RFC 9457 problem details, with our field-level extension `errors`. */
export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(
    Type.Array(Type.Object({ pointer: Type.String(), field: Type.String(), detail: Type.String() })),
  ),
});
export type Problem = Static<typeof Problem>;
