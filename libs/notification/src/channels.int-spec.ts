import { AnyEnvelope, CaseAssigned, newEvent, SlaLightChanged } from '@duban/contracts';
import { applyOne, BatchEventHandler, EventHandler, MessagingTables1763900000000 } from '@duban/messaging';
import { createDataSource, migrate } from '@duban/persistence';
import { eventHandlersOf } from '@duban/service-defaults';
import { freshDatabase } from '@duban/testing';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { SMTPServer } from 'smtp-server';
import { Sender } from './application/sender';
import { Digests } from './application/digests';
import { Notifier } from './application/notifier';
import { smtpMailer } from './infrastructure/mailer';
import { verifyWebhook } from './domain/channels';
import { notificationService } from './index';

jest.setTimeout(120_000);

interface Received {
  path: string;
  ok: boolean;
  body: Record<string, unknown>;
  delivery?: string;
}

/**
 * Every outbound channel against local receivers that check each platform's documented format and
 * signature — a signed webhook, DingTalk, WeCom, Feishu, an SMS gateway — plus a receiver that fails
 * once and one that never answers; on real PostgreSQL, on a clock the test sets.
 */
describe('notification channels, retries and dead letters, on real PostgreSQL with local receivers', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let handlers: Record<string, EventHandler | BatchEventHandler>;
  let closeHandlers: (() => Promise<void>) | undefined;
  let server: Server;
  let base: string;
  let now = Date.now();
  const received: Received[] = [];
  let flakyCalls = 0;
  const apply = (event: AnyEnvelope) => db.transaction((tx) => applyOne(handlers[event.type], event, tx));

  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => resolve(text));
    });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const raw = await read(req);
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const record = (ok: boolean) => received.push({ path: url.pathname, ok, body, delivery: req.headers['x-duban-delivery'] as string | undefined });
      const json = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      switch (url.pathname) {
        case '/hook': {
          const ok = verifyWebhook('whsec-0123456789', req.headers as Record<string, string>, raw, now);
          record(ok);
          return json(ok ? 200 : 401, {});
        }
        case '/dingtalk': {
          const ts = url.searchParams.get('timestamp') ?? '';
          const expected = createHmac('sha256', 'SECding-secret').update(`${ts}\nSECding-secret`).digest('base64');
          const ok = url.searchParams.get('access_token') === 'T' && url.searchParams.get('sign') === expected && Math.abs(Number(ts) - now) < 3_600_000 && body.msgtype === 'text';
          record(ok);
          return json(200, ok ? { errcode: 0, errmsg: 'ok' } : { errcode: 310000, errmsg: 'sign not match' });
        }
        case '/feishu': {
          const ts = String(body.timestamp);
          const ok = body.sign === createHmac('sha256', `${ts}\nfeishu-secret`).update('').digest('base64') && body.msg_type === 'text';
          record(ok);
          return json(200, ok ? { code: 0, msg: 'success' } : { code: 19021, msg: 'sign match fail' });
        }
        case '/wecom': {
          const ok = url.searchParams.get('key') === 'K' && body.msgtype === 'text' && typeof (body.text as { content?: string })?.content === 'string';
          record(ok);
          return json(200, { errcode: ok ? 0 : 93000, errmsg: ok ? 'ok' : 'invalid' });
        }
        case '/sms': {
          const ok = req.headers.authorization === 'Bearer sms-token' && body.to === '+8613800000000' && !!req.headers['idempotency-key'];
          record(ok);
          return json(ok ? 202 : 401, {});
        }
        case '/flaky':
          flakyCalls += 1;
          record(flakyCalls > 1);
          return json(flakyCalls > 1 ? 200 : 500, {});
        case '/slow':
          return; // never answers: the sender's timeout decides
        default:
          return json(404, {});
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let url: string;
    ({ url, drop } = await freshDatabase('notify'));
    db = createDataSource({ url, applicationName: 'notify', migrations: [MessagingTables1763900000000, ...(notificationService.migrations as unknown as never[])], poolSize: 4 });
    await db.initialize();
    await migrate(db);
    const config = { NOTIFY_DEFAULT_LOCALE: 'zh-CN', NOTIFY_UTC_OFFSET_MINUTES: 480, NOTIFY_TIMEOUT_MS: 500, NOTIFY_MAX_ATTEMPTS: 3, NOTIFY_BACKOFF_MS: 1000, NOTIFY_MAX_BACKOFF_MS: 60_000, NOTIFY_POLL_MS: 1000, NOTIFY_SMS_GATEWAY_URL: '', NOTIFY_SMS_GATEWAY_TOKEN: '', NOTIFY_SMTP_URL: '', NOTIFY_MAIL_FROM: 'Duban <noreply@duban.test>', NOTIFY_DIGEST_AT: '08:00' };
    ({ handlers, close: closeHandlers } = await eventHandlersOf(notificationService, { dataSource: db, topic: 'duban.notification.events', logger: pino({ level: 'silent' }) } as never, config));
  });

  afterAll(async () => {
    await closeHandlers?.();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await db?.destroy();
    await drop?.();
  });

  const subscribe = (username: string, roles: string[], channel: string, target: string | null, secret: string | null, extra: { quiet?: [number, number]; events?: string[] } = {}) =>
    db.query(
      `INSERT INTO subscriptions (id, username, roles, unit_id, event_types, channel, target, secret, locale, quiet_from, quiet_to) VALUES ($1, $2, $3, 'water', $4, $5, $6, $7, 'en', $8, $9)`,
      [randomUUID(), username, roles, extra.events ?? ['sla.light-changed'], channel, target, secret, extra.quiet?.[0] ?? null, extra.quiet?.[1] ?? null],
    );

  it('reaches each person once on each channel in its documented format, retries failures with backoff and keeps what never got through', async () => {
    now = Date.now() + 5000; // the service queues at the real time; the sender runs a little later
    const sender = new Sender(db, {
      timeoutMs: 500,
      maxAttempts: 3,
      backoffMs: 1000,
      maxBackoffMs: 60_000,
      pollMs: 1000,
      smsGatewayUrl: `${base}/sms`,
      smsGatewayToken: 'sms-token',
      mail: null,
      now: () => new Date(now),
    });
    await subscribe('head-water', ['unit-head'], 'webhook', `${base}/hook`, 'whsec-0123456789');
    await subscribe('head-water', ['unit-head'], 'dingtalk', `${base}/dingtalk?access_token=T`, 'SECding-secret');
    await subscribe('head-water', ['unit-head'], 'feishu', `${base}/feishu`, 'feishu-secret');
    await subscribe('head-water', ['unit-head'], 'wecom', `${base}/wecom?key=K`, null);
    await subscribe('head-water', ['unit-head'], 'sms', '+8613800000000', null);
    await subscribe('head-water', ['unit-head'], 'webhook', `${base}/flaky`, 'whsec-0123456789');
    await subscribe('head-water', ['unit-head'], 'webhook', `${base}/slow`, 'whsec-0123456789');
    // A handler's subscription does not match the unit-head rung; another unit's head is not reached.
    await subscribe('handler-water-a', ['handler'], 'webhook', `${base}/hook`, 'whsec-0123456789');

    const caseId = randomUUID();
    await apply(newEvent(CaseAssigned, { caseId, unitId: 'water', data: { assignmentId: randomUUID(), unitId: 'water', unitName: '水务局', assignee: 'handler-water-a', category: 'water.leak', tier: 'general', rule: { id: 'r', version: 1 }, reason: 'rule' } }));
    const orange = newEvent(SlaLightChanged, { caseId, unitId: 'water', data: { clockId: randomUUID(), stage: 'complete', light: 'orange', rung: 'unit-head', dueAt: new Date(now + 3_600_000).toISOString(), scheduledAt: new Date(now).toISOString() } });
    await apply(orange);
    await apply(orange); // redelivered: nothing new
    const byRecipient: { recipient: string; channel: string }[] = await db.query(`SELECT recipient, channel FROM notifications WHERE case_id = $1 ORDER BY channel`, [caseId]);
    expect(byRecipient.filter((n) => n.recipient === 'handler-water-a').map((n) => n.channel)).toEqual(['in-app']);
    expect(byRecipient.filter((n) => n.recipient === 'head-water').map((n) => n.channel).sort()).toEqual(['dingtalk', 'feishu', 'sms', 'webhook', 'webhook', 'webhook', 'wecom']);

    // First sweep: five formats accepted, the flaky one fails (retried), the slow one times out (retried).
    expect(await sender.sweep()).toBe(7);
    const ok = received.filter((r) => r.ok).map((r) => r.path).sort();
    expect(ok).toEqual(['/dingtalk', '/feishu', '/hook', '/sms', '/wecom']);
    expect(received.every((r) => r.path === '/flaky' || r.ok)).toBe(true);
    expect(await sender.sweep()).toBe(0); // nothing due before the backoff
    now += 1000;
    expect(await sender.sweep()).toBe(2); // flaky succeeds, slow times out again
    now += 2000;
    expect(await sender.sweep()).toBe(1); // slow: third attempt, then dead
    now += 60_000;
    expect(await sender.sweep()).toBe(0);

    const states: { target: string; state: string; attempts: number }[] = await db.query(`SELECT target, state, attempts FROM outbound ORDER BY target`);
    expect(states.find((s) => s.target.endsWith('/flaky'))).toMatchObject({ state: 'sent', attempts: 2 });
    expect(states.find((s) => s.target.endsWith('/slow'))).toMatchObject({ state: 'dead', attempts: 3 });
    expect(states.filter((s) => s.state === 'sent')).toHaveLength(6);
    const slowLog: { outcome: string; detail: string }[] = await db.query(
      `SELECT d.outcome, d.detail FROM deliveries d JOIN outbound o ON o.notification_id = d.notification_id WHERE o.target LIKE '%/slow' ORDER BY d.id`,
    );
    expect(slowLog.map((l) => l.outcome)).toEqual(['queued', 'failed', 'retried', 'failed', 'retried', 'failed', 'dead']);
    expect(slowLog[1].detail).toBe('no answer within 500 ms');
  });

  it('holds messages in quiet hours, except urgent ones', async () => {
    now = Date.now() + 5000;
    const sender = new Sender(db, { timeoutMs: 500, maxAttempts: 3, backoffMs: 1000, maxBackoffMs: 60_000, pollMs: 1000, smsGatewayUrl: null, smsGatewayToken: null, mail: null, now: () => new Date(now) });
    await db.query(`DELETE FROM subscriptions`);
    const minute = Math.floor(((now / 60_000 + 480) % 1440 + 1440) % 1440);
    // Quiet from one minute ago for two hours (China time).
    await subscribe('head-water', ['unit-head', 'supervisor'], 'webhook', `${base}/hook`, 'whsec-0123456789', { quiet: [(minute + 1439) % 1440, (minute + 119) % 1440], events: ['sla.light-changed'] });
    const caseId = randomUUID();
    const light = (color: 'orange' | 'red', rung: string) =>
      newEvent(SlaLightChanged, { caseId, unitId: 'water', data: { clockId: randomUUID(), stage: 'complete', light: color, rung: rung as 'unit-head', dueAt: new Date(now).toISOString(), scheduledAt: new Date(now).toISOString() } });
    await apply(light('orange', 'unit-head'));
    await apply(light('red', 'supervision-office'));
    const before = received.length;
    expect(await sender.sweep()).toBe(1); // the red light goes out at once
    expect(received.slice(before).map((r) => r.path)).toEqual(['/hook']);
    const held: { next_at: Date }[] = await db.query(`SELECT o.next_at FROM outbound o JOIN notifications n ON n.id = o.notification_id WHERE n.case_id = $1 AND o.state = 'queued'`, [caseId]);
    expect(held).toHaveLength(1);
    expect(held[0].next_at.getTime() - now).toBeGreaterThan(100 * 60_000);
    now = held[0].next_at.getTime();
    expect(await sender.sweep()).toBe(1);
  });

  it('sends e-mail through a real SMTP server started here, and retries when the server refuses the recipient', async () => {
    const mails: { to: string; raw: string }[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('full@')) return callback(Object.assign(new Error('Mailbox full'), { responseCode: 452 }));
        callback();
      },
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    try {
      now = Date.now() + 5000;
      const sender = new Sender(db, {
        timeoutMs: 5000,
        maxAttempts: 3,
        backoffMs: 1000,
        maxBackoffMs: 60_000,
        pollMs: 1000,
        smsGatewayUrl: null,
        smsGatewayToken: null,
        mail: smtpMailer(`smtp://127.0.0.1:${port}`, 'Duban <noreply@duban.test>', 5000),
        now: () => new Date(now),
      });
      await db.query(`DELETE FROM subscriptions`);
      await subscribe('head-water', ['unit-head'], 'email', 'head-water@minghu.test', null);
      await subscribe('head-water', ['unit-head'], 'email', 'full@minghu.test', null);
      const caseId = randomUUID();
      await apply(newEvent(SlaLightChanged, { caseId, unitId: 'water', data: { clockId: randomUUID(), stage: 'accept', light: 'orange', rung: 'unit-head', dueAt: new Date(now).toISOString(), scheduledAt: new Date(now).toISOString() } }));
      expect(await sender.sweep()).toBe(2);
      expect(mails).toHaveLength(1);
      expect(mails[0].to).toBe('head-water@minghu.test');
      expect(mails[0].raw).toMatch(/^Subject: Orange light on /m);
      expect(mails[0].raw).toMatch(/^Message-ID: <[0-9a-f-]{36}@duban\.test>/m);
      const full: { state: string; last_error: string; attempts: number }[] = await db.query(`SELECT state, last_error, attempts FROM outbound WHERE target = 'full@minghu.test'`);
      expect(full[0]).toMatchObject({ state: 'queued', attempts: 1 });
      expect(full[0].last_error).toMatch(/Mailbox full/);
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });

  it('sends the supervisors a daily digest of yesterday once, from the configured local time', async () => {
    await db.query(`DELETE FROM subscriptions`);
    await db.query(`INSERT INTO subscriptions (id, username, roles, unit_id, event_types, all_units, channel, locale) VALUES ($1, 'supervisor1', '{supervisor}', NULL, '{daily-digest}', true, 'in-app', 'zh-CN')`, [randomUUID()]);
    // Yesterday (China time 2026-11-30): two assignments and a red light in water, one red light in parks.
    const at = (local: string) => new Date(`${local}+08:00`);
    const assign = (unitId: string) =>
      newEvent(CaseAssigned, { caseId: randomUUID(), unitId, occurredAt: at('2026-11-30T10:00:00'), data: { assignmentId: randomUUID(), unitId, unitName: unitId, assignee: null, category: 'water.leak', tier: 'general', rule: { id: 'r', version: 1 }, reason: 'rule' } });
    const red = (unitId: string) =>
      newEvent(SlaLightChanged, { caseId: randomUUID(), unitId, occurredAt: at('2026-11-30T23:30:00'), data: { clockId: randomUUID(), stage: 'complete', light: 'red', rung: 'supervision-office', dueAt: at('2026-11-30T23:30:00').toISOString(), scheduledAt: at('2026-11-30T23:30:00').toISOString() } });
    for (const e of [assign('water'), assign('water'), red('water'), red('parks')]) await apply(e);
    let clock = at('2026-12-01T07:59:00');
    const notifier = new Notifier('duban.notification.events', { defaultLocale: 'zh-CN', utcOffsetMinutes: 480, now: () => clock });
    const digests = new Digests(db, notifier, { atMinute: 8 * 60, utcOffsetMinutes: 480, pollMs: 60_000, now: () => clock });
    expect(await digests.send()).toBe(0); // before 08:00
    clock = at('2026-12-01T08:01:00');
    expect(await digests.send()).toBe(1);
    expect(await digests.send()).toBe(0); // once a day
    const [digest] = await db.query(`SELECT title, body, case_id FROM notifications WHERE recipient = 'supervisor1' AND template = 'daily-digest'`);
    expect(digest).toEqual({
      title: '每日督办摘要 2026-11-30（全部单位）',
      body: '新派案件 2，办结 0，红灯超时 2，升级督办 0，黄牌 0，红牌 0，退回重办 0，群众不满意重办 0。超时最多：parks 1，water 1。',
      case_id: null,
    });
  });
});
