import { Controller, Get, Headers, HttpCode, Inject, Param, ParseUUIDPipe, Post, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { LiveHub } from '../infrastructure/live-hub';
import { BearerAuthGuard, CurrentPrincipal, Problems, ServiceRuntime } from '@duban/service-defaults';
import { Principal } from '@duban/auth';

@Controller('api/v1/notifications')
@UseGuards(BearerAuthGuard)
export class NotificationsController {
  constructor(
    @Inject(ServiceRuntime) private readonly runtime: ServiceRuntime,
    @Inject(LiveHub) private readonly live: LiveHub,
  ) {}

  /**
   * The caller's in-app messages pushed live as server-sent events (event `notification`); after a
   * reconnect with Last-Event-ID the messages stored since that one come first. A comment every
   * 10 s keeps proxies (and the gateway's upstream timeout) from closing the stream.
   */
  @Get('stream')
  async stream(@CurrentPrincipal() principal: Principal, @Headers('last-event-id') lastEventId: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no', connection: 'keep-alive' });
    const send = (m: { id: string }) => raw.write(`id: ${m.id}\nevent: notification\ndata: ${JSON.stringify(m)}\n\n`);
    raw.write('retry: 3000\n\n');
    const stop = await this.live.follow(principal.username, send);
    if (lastEventId && /^[0-9a-f-]{36}$/i.test(lastEventId)) {
      const missed: { id: string }[] = await this.runtime.dataSource.query(
        `SELECT id, recipient, case_id AS "caseId", template AS "eventType", title, body, created_at AS "createdAt" FROM notifications
          WHERE recipient = $1 AND channel = 'in-app' AND created_at > (SELECT created_at FROM notifications WHERE id = $2) ORDER BY created_at LIMIT 100`,
        [principal.username, lastEventId],
      );
      missed.forEach(send);
    }
    const ping = setInterval(() => raw.write(': ping\n\n'), 10_000);
    raw.on('close', () => {
      clearInterval(ping);
      stop();
    });
  }

  /** The caller's in-app inbox, newest first. */
  @Get()
  async inbox(@CurrentPrincipal() principal: Principal) {
    const notifications = await this.runtime.dataSource.query(
      `SELECT id, case_id AS "caseId", template, title, body, channel, created_at AS "createdAt", read_at AS "readAt"
         FROM notifications WHERE recipient = $1 ORDER BY created_at DESC LIMIT 100`,
      [principal.username],
    );
    return { recipient: principal.username, notifications };
  }

  @Post(':id/read')
  @HttpCode(204)
  async markRead(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('This notification') })) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    const [, updated] = await this.runtime.dataSource.query(
      'UPDATE notifications SET read_at = COALESCE(read_at, now()) WHERE id = $1 AND recipient = $2',
      [id, principal.username],
    );
    if (updated === 0) throw Problems.notFound('This notification');
  }
}
