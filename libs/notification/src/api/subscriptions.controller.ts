import { Body, Controller, Delete, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { clockMinutes, clockTime } from '@duban/calendar';
import { SubscriptionRequest } from '@duban/contracts';
import { hasRole, Principal } from '@duban/auth';
import { BearerAuthGuard, CurrentPrincipal, Problems, SchemaPipe, ServiceRuntime } from '@duban/service-defaults';
import { randomUUID } from 'node:crypto';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A robot or webhook address: https, or http to this machine (local receivers, development). */
function checkUrl(target: string | undefined): string {
  let url: URL;
  try {
    url = new URL(target ?? '');
  } catch {
    throw Problems.field('target', 'the webhook or robot URL');
  }
  if (url.username || url.password) throw Problems.field('target', 'no credentials in the URL');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) throw Problems.field('target', 'an https URL (http only to 127.0.0.1)');
  return url.toString();
}

/** Who gets what: each person's subscriptions by event type (and, for oversight roles, across units), and the delivery log. */
@Controller('api/v1/notifications')
@UseGuards(BearerAuthGuard)
export class SubscriptionsController {
  constructor(@Inject(ServiceRuntime) private readonly runtime: ServiceRuntime) {}

  @Post('subscriptions')
  @HttpCode(201)
  async subscribe(@Body(new SchemaPipe(SubscriptionRequest)) body: SubscriptionRequest, @CurrentPrincipal() principal: Principal) {
    if (body.allUnits && !hasRole(principal, 'supervisor', 'assessor', 'admin')) throw Problems.field('allUnits', "only oversight roles follow every unit's events");
    if (!body.allUnits && !principal.unitId) throw Problems.field('allUnits', 'you belong to no unit: follow every unit (oversight roles) or none');
    let target: string | null = null;
    switch (body.channel) {
      case 'in-app':
        if (body.target) throw Problems.field('target', 'in-app messages need no target');
        break;
      case 'webhook':
      case 'dingtalk':
      case 'wecom':
      case 'feishu':
        target = checkUrl(body.target);
        if (body.channel === 'webhook' && !body.secret) throw Problems.field('secret', 'a signed webhook needs its HMAC secret');
        break;
      case 'sms':
        if (!body.target || !/^\+?[0-9]{6,20}$/.test(body.target)) throw Problems.field('target', 'a phone number, e.g. +8613800000000');
        target = body.target;
        break;
      case 'email':
        if (!body.target || !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(body.target)) throw Problems.field('target', 'an e-mail address');
        target = body.target;
        break;
    }
    const id = randomUUID();
    const window = body.quietHours && body.quietHours !== 'off-duty' ? body.quietHours : null;
    const quiet = window ? [clockMinutes(window.from), clockMinutes(window.to)] : [null, null];
    await this.runtime.dataSource.query(
      `INSERT INTO subscriptions (id, username, roles, unit_id, event_types, all_units, channel, target, secret, locale, quiet_from, quiet_to, quiet_off_duty, clearance)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [id, principal.username, principal.roles, principal.unitId ?? null, body.eventTypes, body.allUnits ?? false, body.channel, target, body.secret ?? null, body.locale ?? 'zh-CN', quiet[0], quiet[1], body.quietHours === 'off-duty', principal.clearance],
    );
    return { id, eventTypes: body.eventTypes, channel: body.channel, target, locale: body.locale ?? 'zh-CN', unitId: body.allUnits ? null : principal.unitId, allUnits: body.allUnits ?? false, quietHours: body.quietHours ?? null };
  }

  /** The caller's subscriptions (secrets are never shown again). */
  @Get('subscriptions')
  async list(@CurrentPrincipal() principal: Principal) {
    const rows: { quiet_from: number | null; quiet_to: number | null; quiet_off_duty: boolean }[] = await this.runtime.dataSource.query(
      `SELECT id, event_types AS "eventTypes", channel, target, locale, unit_id AS "unitId", all_units AS "allUnits", quiet_from, quiet_to, quiet_off_duty, created_at AS "createdAt"
         FROM subscriptions WHERE username = $1 ORDER BY created_at`,
      [principal.username],
    );
    return {
      subscriptions: rows.map(({ quiet_from, quiet_to, quiet_off_duty, ...r }) => ({
        ...r,
        quietHours: quiet_off_duty ? 'off-duty' : quiet_from === null ? null : { from: clockTime(quiet_from), to: clockTime(quiet_to as number) },
      })),
    };
  }

  @Delete('subscriptions/:id')
  @HttpCode(204)
  async remove(@Param('id', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('This subscription') })) id: string, @CurrentPrincipal() principal: Principal) {
    const [, count] = await this.runtime.dataSource.query(`DELETE FROM subscriptions WHERE id = $1 AND username = $2`, [id, principal.username]);
    if (count === 0) throw Problems.notFound('This subscription');
  }

  /** The delivery log: the caller's messages (administrators: everyone's), newest first; `state=dead` lists what was given up. */
  @Get('deliveries')
  async deliveries(@Query('state') state: string | undefined, @Query('notificationId') notificationId: string | undefined, @CurrentPrincipal() principal: Principal) {
    if (state !== undefined && !['queued', 'sent', 'dead'].includes(state)) throw Problems.field('state', 'queued, sent or dead');
    if (notificationId !== undefined && !/^[0-9a-f-]{36}$/i.test(notificationId)) throw Problems.field('notificationId', 'a notification id');
    const all = hasRole(principal, 'admin');
    const messages = await this.runtime.dataSource.query(
      `SELECT n.id, n.recipient, n.case_id AS "caseId", n.template AS "eventType", n.channel, n.title, o.target, o.state, o.attempts, o.last_error AS "lastError", o.next_at AS "nextAt", o.sent_at AS "sentAt",
              (SELECT json_agg(json_build_object('outcome', d.outcome, 'detail', d.detail, 'attempt', d.attempt, 'at', d.at) ORDER BY d.id) FROM deliveries d WHERE d.notification_id = n.id) AS log
         FROM notifications n JOIN outbound o ON o.notification_id = n.id
        WHERE ($1 OR n.recipient = $2) AND ($3::text IS NULL OR o.state = $3) AND ($4::uuid IS NULL OR n.id = $4)
        ORDER BY n.created_at DESC LIMIT 200`,
      [all, principal.username, state ?? null, notificationId ?? null],
    );
    return { messages };
  }
}
