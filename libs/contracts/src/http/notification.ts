import { Static, Type } from '@sinclair/typebox';

/** Notification's bodies: subscriptions. */

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
