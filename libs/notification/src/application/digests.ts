import { PollingLoop } from '@duban/messaging';
import type { DataSource } from 'typeorm';
import { digestText } from '../domain/templates';
import { Notifier, recipientOf, SubscriptionRow } from './notifier';

export interface DigestOptions {
  /** Local minute of the day from which yesterday's digest goes out (08:00 = 480). */
  atMinute: number;
  utcOffsetMinutes: number;
  pollMs: number;
  now?: () => Date;
  onError?: (error: unknown) => void;
}

interface DigestSubscription extends SubscriptionRow {
  unit_id: string | null;
  all_units: boolean;
}

/**
 * The supervisors' daily digest (每日督办摘要): from the configured local time, each subscription
 * to `daily-digest` gets yesterday's counts once — any number of replicas (SKIP LOCKED on the
 * subscription, a row per subscription and day).
 */
export class Digests {
  private readonly loop: PollingLoop;
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    private readonly notifier: Notifier,
    private readonly options: DigestOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.loop = new PollingLoop(() => this.send(), options.pollMs, options.onError);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Sends the digests due now; returns how many. */
  async send(): Promise<number> {
    const local = new Date(this.now().getTime() + this.options.utcOffsetMinutes * 60_000);
    const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
    if (minute < this.options.atMinute) return 0;
    const day = new Date(local.getTime() - 86_400_000).toISOString().slice(0, 10);
    return this.dataSource.transaction(async (tx) => {
      const due: DigestSubscription[] = await tx.query(
        `SELECT id, username, unit_id, all_units, channel, target, secret, locale, quiet_from, quiet_to, quiet_off_duty, clearance FROM subscriptions s
          WHERE 'daily-digest' = ANY(event_types) AND NOT EXISTS (SELECT 1 FROM digests_sent d WHERE d.subscription_id = s.id AND d.day = $1::date)
          ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
        [day],
      );
      for (const s of due) {
        const counts: { unitId: string; key: string; n: number }[] = await tx.query(
          `SELECT unit_id AS "unitId", key, n FROM digest_counts WHERE day = $1::date AND ($2 OR unit_id = $3)`,
          [day, s.all_units, s.unit_id],
        );
        const scope = s.all_units ? (s.locale === 'zh-CN' ? '全部单位' : 'all units') : (s.unit_id ?? '');
        const text = digestText(s.locale, day, scope, counts);
        const id = await this.notifier.deliver(
          tx,
          recipientOf(s),
          { caseId: null, eventId: null, eventType: 'daily-digest', title: text.title, body: text.body, urgent: false },
        );
        await tx.query(`INSERT INTO digests_sent (subscription_id, day, notification_id) VALUES ($1, $2, $3)`, [s.id, day, id]);
      }
      return due.length;
    });
  }
}
