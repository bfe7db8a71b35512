import { clears, Confidentiality, isConfidentiality } from '@duban/auth';
import { AnyEnvelope, newEvent, NotificationDelivered } from '@duban/contracts';
import { addToCounters, CounterWriter, enqueue } from '@duban/messaging';
import { randomUUID } from 'node:crypto';
import { defaultCalendar } from '@duban/calendar';
import type { EntityManager } from 'typeorm';
import { ChannelKind } from '../domain/channels';
import { digestKey, Locale, notBefore, render, urgent } from '../domain/templates';
import { liveMessage } from '../infrastructure/live-hub';

export interface NotifierOptions {
  defaultLocale: Locale;
  utcOffsetMinutes: number;
  now?: () => Date;
}

export interface Recipient {
  username: string;
  channel: ChannelKind;
  locale: Locale;
  subscriptionId: string | null;
  target: string | null;
  secret: string | null;
  quiet: { from: number | null; to: number | null; offDuty?: boolean };
  /** The subscriber's clearance (unknown for the people an event is about, whom dispatch cleared for the case). */
  clearance?: Confidentiality;
}

export interface SubscriptionRow {
  id: string;
  username: string;
  channel: ChannelKind;
  target: string | null;
  secret: string | null;
  locale: Locale;
  quiet_from: number | null;
  quiet_to: number | null;
  quiet_off_duty: boolean;
  clearance?: string;
}

/** The recipient a subscription makes. */
export const recipientOf = (s: SubscriptionRow): Recipient => ({
  username: s.username,
  channel: s.channel,
  locale: s.locale,
  subscriptionId: s.id,
  target: s.target,
  secret: s.secret,
  quiet: { from: s.quiet_from, to: s.quiet_to, offDuty: s.quiet_off_duty },
  ...(isConfidentiality(s.clearance) ? { clearance: s.clearance } : {}),
});

/**
 * A message about a case that is not public leaves the building without details (webhooks, robots,
 * SMS, e-mail), and reaches nobody below its level with them; the title keeps the reference.
 */
export function mayCarryDetails(r: Recipient, level: Confidentiality): boolean {
  if (level === 'public') return true;
  if (r.channel !== 'in-app') return false;
  return r.clearance === undefined || clears(r.clearance, level);
}

const WITHHELD: Record<Locale, string> = {
  'zh-CN': '（非公开案件，详情请登录督办系统查看）',
  en: '(A restricted case: open Duban for the details.)',
};

/** The role a rung of the warning ladder reaches (escalation: handler → unit head → supervision office). */
const RUNG_ROLE: Record<string, string> = { handler: 'handler', 'unit-head': 'unit-head', 'supervision-office': 'supervisor' };

/**
 * Who gets what: for each event, the person it is about by default (the assignee of a new case;
 * the handler on the first rung of the warning ladder) in the app, plus every subscription by
 * event type, unit and role on its own channel. One message per event, person and subscription —
 * a redelivered event adds nothing. In-app messages are delivered by being stored; the others are
 * queued for the sender, held until the end of the person's quiet hours unless urgent.
 */
export class Notifier {
  private readonly now: () => Date;
  /** The organisation's working calendar (office hours, PRC holidays and make-up days) for "off-duty" quiet hours. */
  private readonly calendar = defaultCalendar();

  constructor(
    private readonly topic: string,
    private readonly options: NotifierOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Writes the event's messages; returns how many were queued for the sender (in-app ones are delivered by being stored). */
  async onEvent(tx: EntityManager, event: AnyEnvelope): Promise<number> {
    const data = event.data as Record<string, unknown>;
    const unitId = event.unitId ?? (data.unitId as string | undefined) ?? null;
    if (event.type === 'case.assigned') {
      await tx.query(
        `INSERT INTO case_people (case_id, unit_id, assignee, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (case_id) DO UPDATE SET unit_id = EXCLUDED.unit_id, assignee = EXCLUDED.assignee, at = EXCLUDED.at WHERE case_people.at <= EXCLUDED.at`,
        [event.caseId, unitId, data.assignee ?? null, event.occurredAt],
      );
    }
    const recipients: Recipient[] = [];
    const inApp = (username: string): Recipient => ({ username, channel: 'in-app', locale: this.options.defaultLocale, subscriptionId: null, target: null, secret: null, quiet: { from: null, to: null } });
    if (event.type === 'case.assigned' && data.assignee) recipients.push(inApp(String(data.assignee)));
    if (event.type === 'sla.light-changed' && data.rung === 'handler') {
      const [person] = await tx.query(`SELECT assignee FROM case_people WHERE case_id = $1 AND unit_id = $2`, [event.caseId, unitId]);
      if (person?.assignee) recipients.push(inApp(person.assignee));
    }
    const role = event.type === 'sla.light-changed' ? RUNG_ROLE[String(data.rung)] : null;
    // The subscriptions that ask for this event and the case's level, in one statement. The level comes from
    // the copy kept by CaseConfidentialityEvents; unknown (an event that overtook the case's own on another
    // topic) counts as internal: details wait rather than leak.
    const [found]: { level: string | null; subscriptions: SubscriptionRow[] }[] = await tx.query(
      `SELECT (SELECT level FROM case_confidentiality WHERE case_id = $4) AS level,
              COALESCE((SELECT json_agg(s) FROM (
                SELECT id, username, channel, target, secret, locale, quiet_from, quiet_to, quiet_off_duty, clearance FROM subscriptions
                 WHERE $1 = ANY(event_types) AND (all_units OR unit_id = $2) AND ($3::text IS NULL OR $3 = ANY(roles))) s), '[]'::json) AS subscriptions`,
      [event.type, unitId, role, event.caseId],
    );
    for (const s of found.subscriptions) {
      recipients.push(recipientOf(s));
    }
    let queued = 0;
    const delivered: AnyEnvelope[] = [];
    const level: Confidentiality = isConfidentiality(found.level) ? found.level : 'internal';
    for (const r of recipients) {
      const rendered = render(event.type, r.locale, event.caseId, data);
      const message = mayCarryDetails(r, level) ? rendered : { title: rendered.title, body: WITHHELD[r.locale] };
      const out = await this.deliver(tx, r, { caseId: event.caseId, eventId: event.id, eventType: event.type, title: message.title, body: message.body, urgent: urgent(event.type, data) });
      if (!out) continue; // this event reached this person on this subscription already
      if (r.channel !== 'in-app') queued += 1;
      else {
        delivered.push(newEvent(NotificationDelivered, { caseId: event.caseId, unitId, data: { notificationId: out, recipient: r.username, channel: 'in-app', template: event.type } }));
      }
    }
    // Counted for the supervisors' daily digest, on the local day the event happened.
    const key = digestKey(event.type, data);
    if (key && unitId) {
      const day = new Date(Date.parse(event.occurredAt) + this.options.utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
      await addToCounters(tx, 'digest_counts', `${day}\u0000${unitId}\u0000${key}`, { day, unitId, key }, { n: 1 }, writeDigestCounts);
    }
    if (delivered.length > 0) await enqueue(tx, this.topic, delivered);
    return queued;
  }

  /**
   * Stores one message for a recipient — in the app (announced to live streams at commit) or queued
   * for its channel, held for quiet hours unless urgent. Returns its id, or null when this event
   * reached this person on this subscription before.
   */
  async deliver(
    tx: EntityManager,
    r: Recipient,
    m: { caseId: string | null; eventId: string | null; eventType: string; title: string; body: string; urgent: boolean },
  ): Promise<string | null> {
    const id = randomUUID();
    const values = [id, r.username, m.caseId, m.eventType, m.title, m.body, r.channel, m.eventId, r.subscriptionId];
    if (r.channel === 'in-app') {
      // Stored, delivered and announced to the live streams (at commit) in one statement.
      const live = liveMessage({ id, recipient: r.username, caseId: m.caseId ?? '', eventType: m.eventType, title: m.title, body: m.body, createdAt: this.now().toISOString() });
      const stored: unknown[] = await tx.query(
        `WITH stored AS (
           INSERT INTO notifications (id, recipient, case_id, template, title, body, channel, event_id, event_type, subscription_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $4, $9) ON CONFLICT DO NOTHING RETURNING id
         ), delivered AS (
           INSERT INTO deliveries (notification_id, channel, outcome, attempt) SELECT id, 'in-app', 'delivered', 1 FROM stored
         )
         SELECT pg_notify($10, $11) FROM stored`,
        [...values, live.channel, live.payload],
      );
      return stored.length > 0 ? id : null;
    }
    const rows: unknown[] = await tx.query(
      `INSERT INTO notifications (id, recipient, case_id, template, title, body, channel, event_id, event_type, subscription_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $4, $9) ON CONFLICT DO NOTHING RETURNING id`,
      values,
    );
    if (rows.length === 0) return null;
    const at = notBefore(this.now(), r.quiet, m.urgent, this.options.utcOffsetMinutes, this.calendar);
    await tx.query(`INSERT INTO outbound (id, notification_id, channel, target, secret, next_at) VALUES ($1, $2, $3, $4, $5, $6)`, [randomUUID(), id, r.channel, r.target, r.secret, at]);
    await tx.query(`INSERT INTO deliveries (notification_id, channel, outcome, detail, attempt) VALUES ($1, $2, 'queued', $3, 0)`, [
      id,
      r.channel,
      at.getTime() > this.now().getTime() ? `held for quiet hours until ${at.toISOString()}` : null,
    ]);
    return id;
  }
}

/** The digest's counts, one multi-row statement (libs/messaging counters.ts: written at the end of the batch). */
const writeDigestCounts: CounterWriter<{ day: string; unitId: string; key: string }> = async (tx, rows) => {
  await tx.query(
    `INSERT INTO digest_counts (day, unit_id, key, n)
     SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::int[])
     ON CONFLICT (day, unit_id, key) DO UPDATE SET n = digest_counts.n + EXCLUDED.n`,
    [rows.map((r) => r.key.day), rows.map((r) => r.key.unitId), rows.map((r) => r.key.key), rows.map((r) => r.add.n)],
  );
};
