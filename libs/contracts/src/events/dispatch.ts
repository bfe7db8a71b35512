import { Type } from '@sinclair/typebox';
import { CategoryCode, Confidentiality, Tier, UnitCode, Uuid } from '../common';
import { defineEvent } from '../envelope';
import { Username } from './shared';

/** Dispatch's events (topic duban.dispatch.events): who is responsible for a case. */

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
