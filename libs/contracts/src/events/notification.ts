import { Type } from '@sinclair/typebox';
import { Uuid } from '../common';
import { defineEvent } from '../envelope';
import { Username } from './shared';

/** Notification's events (topic duban.notification.events). */

export const NotificationDelivered = defineEvent(
  'notification.delivered',
  1,
  'notification',
  'A notification about the case reached a person on one channel.',
  Type.Object(
    {
      notificationId: Uuid,
      recipient: Username,
      channel: Type.Union([Type.Literal('in-app')]),
      template: Type.String({ maxLength: 100 }),
    },
    { additionalProperties: false },
  ),
);
