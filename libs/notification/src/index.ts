import { CaseConfidentiality1763900000992, CaseUnitPath1763900000993, CaseConfidentialityEvents, DomainServiceDefinition, runDomainService } from '@duban/service-defaults';
import { Type } from '@sinclair/typebox';
import { NotificationsController } from './api/notifications.controller';
import { NotificationEvents } from './api/notification.events';
import { SubscriptionsController } from './api/subscriptions.controller';
import { Notifier } from './application/notifier';
import { Sender } from './application/sender';
import { Digests } from './application/digests';
import { Digests1763900000620 } from './infrastructure/1763900000620-digests';
import { OffDuty1763900000630 } from './infrastructure/1763900000630-off-duty';
import { SubscriberClearance1763900000640 } from './infrastructure/1763900000640-subscriber-clearance';
import { Locale } from './domain/templates';
import { NotificationSchema1763900000600 } from './infrastructure/1763900000600-notification-schema';
import { Channels1763900000610 } from './infrastructure/1763900000610-channels';
import { smtpMailer } from './infrastructure/mailer';
import { LiveHub } from './infrastructure/live-hub';

export const notificationService: DomainServiceDefinition = {
  service: 'notification',
  defaultPort: 8086,
  migrations: [NotificationSchema1763900000600, Channels1763900000610, Digests1763900000620, OffDuty1763900000630, SubscriberClearance1763900000640, CaseConfidentiality1763900000992, CaseUnitPath1763900000993],
  config: {
    /** The language of in-app messages nobody chose a language for. */
    NOTIFY_DEFAULT_LOCALE: Type.Union([Type.Literal('zh-CN'), Type.Literal('en')], { default: 'zh-CN' }),
    /** The local time of quiet hours (China: 480). */
    NOTIFY_UTC_OFFSET_MINUTES: Type.Integer({ minimum: -720, maximum: 840, default: 480 }),
    /** Per-request timeout of webhooks, robots and the SMS gateway (ms). */
    NOTIFY_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 5000 }),
    /** Attempts before a message is dead (kept, listed under deliveries?state=dead). */
    NOTIFY_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
    /** First retry after this many ms, doubling, at most NOTIFY_MAX_BACKOFF_MS. */
    NOTIFY_BACKOFF_MS: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 30_000 }),
    NOTIFY_MAX_BACKOFF_MS: Type.Integer({ minimum: 10, maximum: 86_400_000, default: 3_600_000 }),
    /** How often the sender looks for due messages when idle (ms). */
    NOTIFY_POLL_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 1000 }),
    /** The SMS gateway: POST {to, text} with a bearer token (empty: SMS not configured). */
    NOTIFY_SMS_GATEWAY_URL: Type.String({ maxLength: 500, default: '' }),
    NOTIFY_SMS_GATEWAY_TOKEN: Type.String({ maxLength: 500, default: '' }),
    /** SMTP server for e-mail, e.g. smtp://user:pass@mail.example.org:587 (empty: e-mail not configured). */
    NOTIFY_SMTP_URL: Type.String({ maxLength: 500, default: '' }),
    /** The sender address of e-mail. */
    NOTIFY_MAIL_FROM: Type.String({ minLength: 3, maxLength: 200, default: 'Duban <noreply@duban.local>' }),
    /** Local time from which the daily digest of yesterday goes out (HH:MM). */
    NOTIFY_DIGEST_AT: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', default: '08:00' }),
  },
  controllers: [NotificationsController, SubscriptionsController],
  events: [CaseConfidentialityEvents, NotificationEvents],
  compose(runtime, config) {
    const notifier = new Notifier(runtime.topic, { defaultLocale: config.NOTIFY_DEFAULT_LOCALE as Locale, utcOffsetMinutes: config.NOTIFY_UTC_OFFSET_MINUTES as number });
    const sender = new Sender(runtime.dataSource, {
      timeoutMs: config.NOTIFY_TIMEOUT_MS as number,
      maxAttempts: config.NOTIFY_MAX_ATTEMPTS as number,
      backoffMs: config.NOTIFY_BACKOFF_MS as number,
      maxBackoffMs: config.NOTIFY_MAX_BACKOFF_MS as number,
      pollMs: config.NOTIFY_POLL_MS as number,
      smsGatewayUrl: (config.NOTIFY_SMS_GATEWAY_URL as string) || null,
      smsGatewayToken: (config.NOTIFY_SMS_GATEWAY_TOKEN as string) || null,
      mail: config.NOTIFY_SMTP_URL ? smtpMailer(config.NOTIFY_SMTP_URL as string, config.NOTIFY_MAIL_FROM as string, config.NOTIFY_TIMEOUT_MS as number) : null,
      onError: (error) => runtime.logger.error({ err: error }, 'notification sender failed'),
    });
    const at = config.NOTIFY_DIGEST_AT as string;
    const digests = new Digests(runtime.dataSource, notifier, {
      atMinute: Number(at.slice(0, 2)) * 60 + Number(at.slice(3, 5)),
      utcOffsetMinutes: config.NOTIFY_UTC_OFFSET_MINUTES as number,
      pollMs: 60_000,
      onError: (error) => runtime.logger.error({ err: error }, 'daily digest failed'),
    });
    const live = new LiveHub(runtime.dataSource, (error) => runtime.logger.warn({ err: error }, 'live notification stream'));
    return {
      providers: [
        { provide: LiveHub, useValue: live },
        { provide: Notifier, useValue: notifier },
        { provide: Sender, useValue: sender },
      ],
      workers: [sender, live, digests],
    };
  },
};

/** Runs the service as its own process (apps/notification). */
export const main = () => runDomainService(notificationService);
