import { PollingLoop } from '@duban/messaging';
import type { DataSource } from 'typeorm';
import { accepted, ChannelKind, dingtalkRequest, feishuRequest, HttpRequest, Message, smsRequest, webhookRequest, wecomRequest } from '../domain/channels';

export interface SenderOptions {
  /** Per-request timeout (ms). */
  timeoutMs: number;
  /** Attempts before a message is dead (the dead-letter state, kept and listed). */
  maxAttempts: number;
  /** First retry after this many ms, doubling per attempt, at most `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** SMS gateway (POST {to, text}); null: SMS messages fail with a clear reason. */
  smsGatewayUrl: string | null;
  smsGatewayToken: string | null;
  /** Sends e-mail; null: e-mail messages fail with a clear reason. */
  mail: ((to: string, subject: string, text: string, messageId: string) => Promise<void>) | null;
  pollMs: number;
  batchSize?: number;
  now?: () => Date;
  onError?: (error: unknown) => void;
}

interface Due {
  id: string;
  notification_id: string;
  channel: ChannelKind;
  target: string;
  secret: string | null;
  attempts: number;
  title: string;
  body: string;
  case_id: string;
  template: string;
}

/** How long a claimed message is reserved for the sender that claimed it (a dead sender's messages come due again after it). */
const LEASE_MS = 120_000;

/**
 * Sends queued messages: claims a batch with FOR UPDATE SKIP LOCKED (any number of replicas),
 * sends each outside the transaction, and logs every attempt. A failure is retried with
 * exponential backoff; after `maxAttempts` the message is dead — never dropped. Receivers dedupe
 * by the message id (X-Duban-Delivery, Idempotency-Key, Message-ID): a sender that dies after
 * sending but before recording sends again.
 */
export class Sender {
  private readonly loop: PollingLoop;
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: SenderOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.loop = new PollingLoop(() => this.sweep(), options.pollMs, options.onError);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  wake(): void {
    this.loop.wake();
  }

  /** One batch: claim, send, record. Returns how many were attempted. */
  async sweep(): Promise<number> {
    const now = this.now();
    const [claimed]: [Due[], number] = await this.dataSource.query(
      `UPDATE outbound o SET next_at = $2
         FROM notifications n
        WHERE o.id = ANY(ARRAY(SELECT id FROM outbound WHERE state = 'queued' AND next_at <= $1 ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED))
          AND n.id = o.notification_id
        RETURNING o.id, o.notification_id, o.channel, o.target, o.secret, o.attempts, n.title, n.body, n.case_id, n.template`,
      [now, new Date(now.getTime() + LEASE_MS), this.options.batchSize ?? 20],
    );
    await Promise.all(claimed.map((d) => this.attempt(d)));
    return claimed.length;
  }

  private async attempt(d: Due): Promise<void> {
    const attempt = d.attempts + 1;
    const message: Message = { id: d.notification_id, title: d.title, body: d.body, caseId: d.case_id, eventType: d.template };
    let outcome: { ok: boolean; detail: string };
    try {
      outcome = await this.send(d.channel, d.target, d.secret, message);
    } catch (error) {
      outcome = { ok: false, detail: (error as Error).name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : `could not send: ${(error as Error).message}` };
    }
    const now = this.now();
    await this.dataSource.transaction(async (tx) => {
      if (outcome.ok) {
        await tx.query(`UPDATE outbound SET state = 'sent', attempts = $2, sent_at = $3, last_error = NULL WHERE id = $1`, [d.id, attempt, now]);
        await tx.query(`INSERT INTO deliveries (notification_id, channel, outcome, detail, attempt, at) VALUES ($1, $2, 'delivered', $3, $4, $5)`, [d.notification_id, d.channel, outcome.detail, attempt, now]);
        return;
      }
      await tx.query(`INSERT INTO deliveries (notification_id, channel, outcome, detail, attempt, at) VALUES ($1, $2, 'failed', $3, $4, $5)`, [d.notification_id, d.channel, outcome.detail, attempt, now]);
      if (attempt >= this.options.maxAttempts) {
        await tx.query(`UPDATE outbound SET state = 'dead', attempts = $2, last_error = $3 WHERE id = $1`, [d.id, attempt, outcome.detail]);
        await tx.query(`INSERT INTO deliveries (notification_id, channel, outcome, detail, attempt, at) VALUES ($1, $2, 'dead', $3, $4, $5)`, [
          d.notification_id,
          d.channel,
          `gave up after ${attempt} attempts`,
          attempt,
          now,
        ]);
        return;
      }
      const wait = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (attempt - 1));
      const next = new Date(now.getTime() + wait);
      await tx.query(`UPDATE outbound SET attempts = $2, next_at = $3, last_error = $4 WHERE id = $1`, [d.id, attempt, next, outcome.detail]);
      await tx.query(`INSERT INTO deliveries (notification_id, channel, outcome, detail, attempt, at) VALUES ($1, $2, 'retried', $3, $4, $5)`, [
        d.notification_id,
        d.channel,
        `next attempt at ${next.toISOString()}`,
        attempt,
        now,
      ]);
    });
  }

  private async send(channel: ChannelKind, target: string, secret: string | null, m: Message): Promise<{ ok: boolean; detail: string }> {
    const nowMs = this.now().getTime();
    let request: HttpRequest;
    switch (channel) {
      case 'webhook':
        request = webhookRequest(target, secret ?? '', m, nowMs);
        break;
      case 'dingtalk':
        request = dingtalkRequest(target, secret, m, nowMs);
        break;
      case 'wecom':
        request = wecomRequest(target, m);
        break;
      case 'feishu':
        request = feishuRequest(target, secret, m, nowMs);
        break;
      case 'sms':
        if (!this.options.smsGatewayUrl) return { ok: false, detail: 'no SMS gateway configured (NOTIFY_SMS_GATEWAY_URL)' };
        request = smsRequest(this.options.smsGatewayUrl, this.options.smsGatewayToken, target, m);
        break;
      case 'email':
        if (!this.options.mail) return { ok: false, detail: 'no SMTP server configured (NOTIFY_SMTP_URL)' };
        await this.options.mail(target, m.title, m.body, m.id);
        return { ok: true, detail: 'accepted by the SMTP server' };
      default:
        return { ok: false, detail: `no sender for ${channel}` };
    }
    const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(this.options.timeoutMs), redirect: 'error' });
    return accepted(channel, response.status, await response.text());
  }
}
