import { Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { BearerAuthGuard, CurrentPrincipal, Problems, ServiceRuntime } from '@duban/service-defaults';
import { Principal } from '@duban/auth';

@Controller('api/v1/notifications')
@UseGuards(BearerAuthGuard)
export class NotificationsController {
  constructor(@Inject(ServiceRuntime) private readonly runtime: ServiceRuntime) {}

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
