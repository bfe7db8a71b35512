import { Static, Type } from '@sinclair/typebox';
import { Text, Timestamp, Uuid } from '../common';

/** Escalation's bodies: holiday years, unit calendars, time-limit policies, supervision orders and rectifications. */

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
