import { Static, Type } from '@sinclair/typebox';
import { CategoryCode, Channel, Confidentiality, Location, RatingLevel, Text, Tier, Timestamp, UnitCode, Uuid } from '../common';

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

const UnitKind = Type.Union([Type.Literal('government'), Type.Literal('office'), Type.Literal('bureau'), Type.Literal('district'), Type.Literal('subdistrict')]);

/** Body of POST /api/v1/units (administrators): a new unit under an existing one; its Keycloak group follows. */
export const CreateUnitRequest = Type.Object(
  { id: UnitCode, nameZh: Text(1, 100), nameEn: Text(1, 100), parentId: UnitCode, kind: UnitKind },
  { additionalProperties: false },
);
export type CreateUnitRequest = Static<typeof CreateUnitRequest>;

/** Body of PATCH /api/v1/units/{id} (administrators): rename or move a unit; its Keycloak group follows. */
export const UpdateUnitRequest = Type.Object(
  { nameZh: Type.Optional(Text(1, 100)), nameEn: Type.Optional(Text(1, 100)), parentId: Type.Optional(UnitCode), kind: Type.Optional(UnitKind) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUnitRequest = Static<typeof UpdateUnitRequest>;

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

/** A district code (jurisdiction), e.g. `hudong-wanghu` or a ward code `ward-5`. */
export const DistrictCode = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,79}$', maxLength: 80 });
export const SchemeCode = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,39}$', maxLength: 40 });

const Position = Type.Tuple([Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 })]);
const LinearRing = Type.Array(Position, { minItems: 3, maxItems: 5000 });
/** A GeoJSON Polygon or MultiPolygon in WGS 84 ([longitude, latitude]). */
export const Area = Type.Union([
  Type.Object(
    { type: Type.Literal('Polygon'), coordinates: Type.Array(LinearRing, { minItems: 1, maxItems: 50 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('MultiPolygon'),
      coordinates: Type.Array(Type.Array(LinearRing, { minItems: 1, maxItems: 50 }), { minItems: 1, maxItems: 50 }),
    },
    { additionalProperties: false },
  ),
]);

/** Body of PUT /api/v1/districts/{code} (administrators): creates or changes a jurisdiction. */
export const DistrictRequest = Type.Object(
  {
    scheme: SchemeCode,
    nameZh: Text(1, 100),
    nameEn: Text(1, 100),
    parentId: Type.Optional(Type.Union([DistrictCode, Type.Null()])),
    area: Type.Optional(Type.Union([Area, Type.Null()])),
  },
  { additionalProperties: false },
);
export type DistrictRequest = Static<typeof DistrictRequest>;

/** Body of POST /api/v1/routing-rules: category × jurisdiction → unit (null or no district: city-wide). */
export const CreateRoutingRuleRequest = Type.Object(
  {
    category: CategoryCode,
    districtId: Type.Optional(Type.Union([DistrictCode, Type.Null()])),
    unitId: UnitCode,
    note: Type.Optional(Text(1, 500)),
  },
  { additionalProperties: false },
);
export type CreateRoutingRuleRequest = Static<typeof CreateRoutingRuleRequest>;

/** Body of PUT /api/v1/routing-rules/{id}: a new version; `version` is the one being replaced (optimistic locking). */
export const UpdateRoutingRuleRequest = Type.Object(
  {
    unitId: UnitCode,
    version: Type.Integer({ minimum: 1 }),
    note: Type.Optional(Text(1, 500)),
  },
  { additionalProperties: false },
);
export type UpdateRoutingRuleRequest = Static<typeof UpdateRoutingRuleRequest>;

/** Body of POST /api/v1/routing/preview: where would such a case go, and why (nothing is stored). */
export const RoutingPreviewRequest = Type.Object(
  { category: CategoryCode, location: Type.Optional(Location) },
  { additionalProperties: false },
);
export type RoutingPreviewRequest = Static<typeof RoutingPreviewRequest>;

/** Body of POST /api/v1/absences: a person is away (leave, training, …); their B post stands in. */
export const AbsenceRequest = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000]*$' }),
    from: Timestamp,
    to: Timestamp,
    reason: Type.Optional(Text(1, 300)),
  },
  { additionalProperties: false },
);
export type AbsenceRequest = Static<typeof AbsenceRequest>;

/** Body of POST /api/v1/assignments/{caseId}/return: the responsible unit says the case is not theirs. */
export const ReturnRequest = Type.Object({ reason: Text(5, 1000) }, { additionalProperties: false });
export type ReturnRequest = Static<typeof ReturnRequest>;

/** Body of POST /api/v1/assignments/{caseId}/reassign (dispatchers, supervisors). */
export const ReassignRequest = Type.Object(
  {
    unitId: UnitCode,
    /** A person of that unit; omitted: chosen like any assignment (A/B posts, load, history). */
    assignee: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000]*$' })),
    reason: Text(5, 1000),
  },
  { additionalProperties: false },
);
export type ReassignRequest = Static<typeof ReassignRequest>;

/** Body of POST /api/v1/assignments/{caseId}/designate-lead (the coordinator queue). */
export const DesignateLeadRequest = Type.Object({ unitId: UnitCode, reason: Text(5, 1000) }, { additionalProperties: false });
export type DesignateLeadRequest = Static<typeof DesignateLeadRequest>;

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

/**
 * Body of PUT /api/v1/calendars/holidays/{year} (administrators): a year's official holidays and
 * make-up working days (调休) in the holiday-cn format of the shipped files, so a new year needs no release.
 */
export const HolidayYearRequest = Type.Object(
  {
    $schema: Type.Optional(Type.String({ maxLength: 300 })),
    $id: Type.Optional(Type.String({ maxLength: 300 })),
    year: Type.Integer({ minimum: 2000, maximum: 2100 }),
    papers: Type.Optional(Type.Array(Type.String({ maxLength: 500 }), { maxItems: 20 })),
    days: Type.Array(
      Type.Object(
        { name: Text(1, 50), date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10 }), isOffDay: Type.Boolean() },
        { additionalProperties: false },
      ),
      { maxItems: 120 },
    ),
  },
  { additionalProperties: false },
);
export type HolidayYearRequest = Static<typeof HolidayYearRequest>;

/** Body of POST /api/v1/supervision-orders (supervisors): put a case under supervision (督办单). */
export const SupervisionOrderRequest = Type.Object(
  {
    caseId: Uuid,
    /** The new time limit; it must lie in the future. */
    dueAt: Timestamp,
    reason: Text(5, 1000),
    replyRequired: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SupervisionOrderRequest = Static<typeof SupervisionOrderRequest>;

/** Body of POST /api/v1/supervision-orders/{id}/reply (the responsible unit). */
export const SupervisionReplyRequest = Type.Object({ reply: Text(5, 4000) }, { additionalProperties: false });
export type SupervisionReplyRequest = Static<typeof SupervisionReplyRequest>;

const Person = Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000]*$' });
const AttachmentIds = (max: number) => Type.Array(Uuid, { maxItems: max, uniqueItems: true });

/** Body of POST /api/v1/workspaces/{caseId}/notes: a progress note, with attachments uploaded before. */
export const NoteRequest = Type.Object({ text: Text(1, 4000), attachmentIds: Type.Optional(AttachmentIds(10)) }, { additionalProperties: false });
export type NoteRequest = Static<typeof NoteRequest>;

/** Body of POST /api/v1/workspaces/{caseId}/pause: the case waits on the reporter. */
export const PauseRequest = Type.Object({ reason: Text(5, 1000) }, { additionalProperties: false });
export type PauseRequest = Static<typeof PauseRequest>;

/** Body of POST /api/v1/workspaces/{caseId}/result: the lead unit's result with at least one piece of evidence. */
export const ResultRequest = Type.Object(
  { summary: Text(5, 4000), evidence: Type.Array(Uuid, { minItems: 1, maxItems: 20, uniqueItems: true }) },
  { additionalProperties: false },
);
export type ResultRequest = Static<typeof ResultRequest>;

/** Body of POST /api/v1/workspaces/{caseId}/result/review (operators, dispatchers, supervisors). */
export const ResultReviewRequest = Type.Object(
  { decision: Type.Union([Type.Literal('accept'), Type.Literal('reject')]), reason: Type.Optional(Text(5, 2000)) },
  { additionalProperties: false },
);
export type ResultReviewRequest = Static<typeof ResultReviewRequest>;

/** Body of POST /api/v1/workspaces/{caseId}/assists: invite a cooperating unit (配合单位). */
export const AssistRequest = Type.Object(
  {
    unitId: UnitCode,
    request: Text(5, 2000),
    /** Omitted: the default reply limit (4 working hours on the cooperating unit's calendar). */
    dueAt: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type AssistRequest = Static<typeof AssistRequest>;

/** Body of POST /api/v1/assists/{id}/reply (the cooperating unit). */
export const AssistReplyRequest = Type.Object({ reply: Text(1, 4000), attachmentIds: Type.Optional(AttachmentIds(10)) }, { additionalProperties: false });
export type AssistReplyRequest = Static<typeof AssistReplyRequest>;

/** Body of POST /api/v1/assists/{id}/decline (the cooperating unit). */
export const AssistDeclineRequest = Type.Object({ reason: Text(5, 2000) }, { additionalProperties: false });
export type AssistDeclineRequest = Static<typeof AssistDeclineRequest>;

/** Body of POST /api/v1/assists/{id}/extension (the cooperating unit asks for more time). */
export const AssistExtensionRequest = Type.Object({ until: Timestamp, reason: Text(5, 2000) }, { additionalProperties: false });
export type AssistExtensionRequest = Static<typeof AssistExtensionRequest>;

/** Body of POST /api/v1/assists/{id}/extension/decision (the lead unit). */
export const AssistExtensionDecision = Type.Object({ grant: Type.Boolean(), reason: Type.Optional(Text(1, 2000)) }, { additionalProperties: false });
export type AssistExtensionDecision = Static<typeof AssistExtensionDecision>;

/** Body of POST /api/v1/assists/{id}/cancel (the lead unit withdraws a sub-request). */
export const AssistCancelRequest = Type.Object({ reason: Text(5, 2000) }, { additionalProperties: false });
export type AssistCancelRequest = Static<typeof AssistCancelRequest>;

/** Body of POST /api/v1/workspaces/{caseId}/cosigns: a solution that binds several units (会签). */
export const CosignRequest = Type.Object(
  { solution: Text(5, 8000), units: Type.Array(UnitCode, { minItems: 1, maxItems: 20, uniqueItems: true }) },
  { additionalProperties: false },
);
export type CosignRequest = Static<typeof CosignRequest>;

/** Body of POST /api/v1/cosigns/{id}/decision (a listed unit's head or handler); a rejection needs a reason. */
export const CosignDecisionRequest = Type.Object(
  { decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]), reason: Type.Optional(Text(5, 2000)) },
  { additionalProperties: false },
);
export type CosignDecisionRequest = Static<typeof CosignDecisionRequest>;

/** Body of POST /api/v1/workspaces/{caseId}/task-force: a task force (专班) with members from several units. */
export const TaskForceRequest = Type.Object(
  {
    name: Text(1, 200),
    members: Type.Array(Type.Object({ unitId: UnitCode, person: Type.Optional(Person) }, { additionalProperties: false }), { minItems: 1, maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type TaskForceRequest = Static<typeof TaskForceRequest>;

/** Body of POST /api/v1/task-forces/{id}/tasks: a goal (no parent), a sub-project (under a goal) or an action item (under a sub-project). */
export const TaskRequest = Type.Object(
  { parentId: Type.Optional(Uuid), title: Text(1, 300), ownerUnitId: UnitCode, owner: Type.Optional(Person), dueAt: Timestamp },
  { additionalProperties: false },
);
export type TaskRequest = Static<typeof TaskRequest>;

/** Body of PATCH /api/v1/task-forces/{id}/tasks/{taskId}: progress of a task (by its owner unit or the lead). */
export const TaskUpdateRequest = Type.Object(
  {
    progress: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('done'), Type.Literal('cancelled')])),
    note: Type.Optional(Text(1, 2000)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TaskUpdateRequest = Static<typeof TaskUpdateRequest>;

const ClockTime = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$', maxLength: 5 });

/** Body of PUT /api/v1/calendars/units/{unitId} (administrators): a unit's own working hours and weekly days off. */
export const UnitCalendarRequest = Type.Object(
  {
    /** Local working periods of a working day, e.g. [{ "start": "08:30", "end": "12:00" }, …]; "00:00"–"24:00" for around the clock. */
    periods: Type.Array(Type.Object({ start: ClockTime, end: ClockTime }, { additionalProperties: false }), { minItems: 1, maxItems: 6 }),
    /** Days of the week off (0 = Sunday … 6 = Saturday); [] for a unit that works every day. */
    weekendDays: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { maxItems: 6, uniqueItems: true }),
    /** Whether public holidays and make-up working days (调休) apply; false for a 24/7 hotline. */
    holidays: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type UnitCalendarRequest = Static<typeof UnitCalendarRequest>;

/** Body of PUT /api/v1/sla-policies/{key} (administrators): a stage's time limit, for clocks started from now on. */
export const SlaPolicyRequest = Type.Object(
  {
    /** The limit in minutes: working minutes of the unit's calendar, or elapsed minutes (at most 366 days). */
    minutes: Type.Integer({ minimum: 1, maximum: 527_040 }),
    basis: Type.Union([Type.Literal('working'), Type.Literal('elapsed')]),
  },
  { additionalProperties: false },
);
export type SlaPolicyRequest = Static<typeof SlaPolicyRequest>;

/** Body of POST /api/v1/rectifications/{id}/close (supervisors): what the unit changed. */
export const RectificationCloseRequest = Type.Object({ summary: Text(5, 4000) }, { additionalProperties: false });
export type RectificationCloseRequest = Static<typeof RectificationCloseRequest>;

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

/** Body of POST /api/v1/notifications/subscriptions: which events reach the caller, on which channel. */
export const SubscriptionRequest = Type.Object(
  {
    eventTypes: Type.Array(
      Type.Union(
        ['case.assigned', 'sla.light-changed', 'case.supervision-escalated', 'case.supervision-ordered', 'unit.card-issued', 'assist.requested', 'case.result-rejected', 'case.resolved', 'case.rebounded', 'daily-digest'].map((t) =>
          Type.Literal(t),
        ),
      ),
      { minItems: 1, maxItems: 10, uniqueItems: true },
    ),
    channel: Type.Union(['in-app', 'webhook', 'dingtalk', 'wecom', 'feishu', 'sms', 'email'].map((c) => Type.Literal(c))),
    /** Where to send: the webhook or robot URL, the phone number, the e-mail address (none for in-app). */
    target: Type.Optional(Type.String({ minLength: 3, maxLength: 500 })),
    /** The HMAC secret of a signed webhook or a DingTalk / Feishu robot's signing secret. */
    secret: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
    locale: Type.Optional(Type.Union([Type.Literal('zh-CN'), Type.Literal('en')])),
    /** Local (China) times between which only urgent messages are sent, e.g. 22:00–07:00, or "off-duty". */
    quietHours: Type.Optional(
      Type.Union([
        Type.Object(
          { from: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }), to: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }) },
          { additionalProperties: false },
        ),
        /** Whenever off duty on the organisation's working calendar (nights, weekends, public holidays; make-up days count). */
        Type.Literal('off-duty'),
      ]),
    ),
    /** Every unit's events (supervisors, assessors, administrators); otherwise the caller's unit. */
    allUnits: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SubscriptionRequest = Static<typeof SubscriptionRequest>;
