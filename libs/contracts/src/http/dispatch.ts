import { Static, Type } from '@sinclair/typebox';
import { CategoryCode, Location, Text, Timestamp, UnitCode } from '../common';

/** Dispatch's bodies: units, districts and their areas, routing rules, absences, returns and reassignments. */

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
