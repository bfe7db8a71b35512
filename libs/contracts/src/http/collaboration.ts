import { Static, Type } from '@sinclair/typebox';
import { Text, Timestamp, UnitCode, Uuid } from '../common';

/** Collaboration's bodies: notes, pauses, results and their review, cooperation requests, co-signing and task forces. */

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
