import { Static, Type } from '@sinclair/typebox';
import { CategoryCode, Channel, Confidentiality, Location, Text, Tier, Timestamp, UnitCode, Uuid } from '../common';

/** Intake's bodies and views: cases, their links, confidentiality and tier, and Open311 clients. */

/** Body of POST /api/v1/cases. Every field is bounded; unknown fields are refused. */
export const CreateCaseRequest = Type.Object(
  {
    title: Text(1, 200),
    description: Text(1, 5000),
    /** Omitted: recognised from the title and description (zh-CN and en keywords). */
    category: Type.Optional(CategoryCode),
    channel: Type.Optional(Channel),
    location: Type.Optional(Location),
    /** Hotline: the caller an operator files for (kept in intake, never put on events). */
    caller: Type.Optional(
      Type.Object(
        { name: Text(1, 100), phone: Type.Optional(Type.String({ pattern: '^[+0-9 ()-]{5,30}$', maxLength: 30 })) },
        { additionalProperties: false },
      ),
    ),
    /** Leader assignments and inspection findings: the instruction or inspection report they come from. */
    sourceReference: Type.Optional(Text(1, 200)),
    /** Leader assignments and inspection findings: an explicit priority that overrides the category's tier. */
    tier: Type.Optional(Tier),
    /**
     * Who may read the case (default `public`): a reporter may ask for `internal` (a private
     * report, kept out of the public Open311 feed); staff up to their own clearance.
     */
    confidentiality: Type.Optional(Confidentiality),
  },
  { additionalProperties: false },
);
export type CreateCaseRequest = Static<typeof CreateCaseRequest>;

/** Body of POST /api/v1/cases/{id}/unlink (dispatchers, supervisors): the report is a matter of its own. */
export const UnlinkRequest = Type.Object({ reason: Text(5, 1000) }, { additionalProperties: false });
export type UnlinkRequest = Static<typeof UnlinkRequest>;

/** Body of POST /api/v1/cases/{id}/confidentiality (operators, dispatchers, supervisors, administrators cleared for both levels). */
export const ConfidentialityRequest = Type.Object({ level: Confidentiality, reason: Text(1, 1000) }, { additionalProperties: false });
export type ConfidentialityRequest = Static<typeof ConfidentialityRequest>;

/** Body of POST /api/v1/cases/{id}/reclassify (dispatchers and supervisors). */
export const ReclassifyRequest = Type.Object(
  {
    category: CategoryCode,
    /** Only to override the category's default tier (e.g. a leader's priority). */
    tier: Type.Optional(Tier),
    reason: Text(1, 1000),
  },
  { additionalProperties: false },
);
export type ReclassifyRequest = Static<typeof ReclassifyRequest>;

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
  confidentiality: Confidentiality,
  status: CaseStatus,
  unitId: Type.Union([UnitCode, Type.Null()]),
  unitName: Type.Union([Type.String(), Type.Null()]),
  assignee: Type.Union([Type.String(), Type.Null()]),
  deadline: Type.Union([Timestamp, Type.Null()]),
  receivedAt: Timestamp,
  traceId: Type.Union([Type.String(), Type.Null()]),
  /** A linked duplicate: the open case it repeats; status, unit and deadline are that case's. */
  duplicateOf: Type.Optional(Type.Union([Uuid, Type.Null()])),
  /** The reports linked to this case as duplicates. */
  duplicates: Type.Optional(Type.Array(Uuid)),
  timeline: Type.Array(TimelineEntry),
});
export type CaseView = Static<typeof CaseView>;

/** Body of POST /api/v1/open311-clients (administrators): a client that may POST Open311 requests. */
export const Open311ClientRequest = Type.Object(
  {
    name: Text(1, 100),
    /** GeoReport v2 asynchronous creation: POST requests answers with a `token` the client resolves with GET tokens/{token} (false: with the service_request_id). */
    answersWithToken: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type Open311ClientRequest = Static<typeof Open311ClientRequest>;
