import { Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CaseAssigned, CaseRebounded, CaseReclassified, EventOf, newEvent, WorkspaceOpened } from '@duban/contracts';
import { EventContext, EventsController, OutboxClient } from '@duban/messaging';
import { lastValueFrom } from 'rxjs';
import { randomUUID } from 'node:crypto';
import { WorkspaceRepository } from '../infrastructure/workspace.repository';

/** What collaboration does with the other services' events: a handling workspace per assignment, its tier, and rework after a rebound. */
@EventsController()
export class CollaborationEvents {
  constructor(
    @Inject(WorkspaceRepository) private readonly workspaces: WorkspaceRepository,
    @Inject(OutboxClient) private readonly outbox: OutboxClient,
  ) {}

  /** The tier decides which stages the case has (a solution and a task force for complex cases). */
  @EventPattern(CaseReclassified.type)
  async reclassified(@Payload() reclassified: EventOf<typeof CaseReclassified>, @Ctx() { tx }: EventContext): Promise<void> {
    await this.workspaces.setTier(tx, reclassified.caseId, reclassified.data.toTier);
  }

  /** 重办: an unsatisfied reporter sends a resolved case back to its unit, which works on it again. */
  @EventPattern(CaseRebounded.type)
  async rebounded(@Payload() rebounded: EventOf<typeof CaseRebounded>, @Ctx() { tx }: EventContext): Promise<void> {
    const unitId = await this.workspaces.reopen(tx, rebounded.caseId);
    if (!unitId) return;
    const { ratingId, round, level, reason } = rebounded.data;
    await this.workspaces.trail(tx, { caseId: rebounded.caseId, at: rebounded.occurredAt, by: 'reporter', unitId, action: 'rebound', detail: { ratingId, round, level, reason } });
  }

  /** The assigned unit gets a handling workspace and is expected to sign for the case (签收). */
  @EventPattern(CaseAssigned.type)
  async assigned(@Payload() assigned: EventOf<typeof CaseAssigned>, @Ctx() { tx }: EventContext): Promise<void> {
    const live = await this.workspaces.liveForUpdate(tx, assigned.caseId);
    // A reassignment withdraws the previous unit's workspace; notes, requests and the trail stay with the case.
    if (live) await this.workspaces.withdraw(tx, live.id);
    const workspaceId = randomUUID();
    const { unitId, assignee: handler, tier } = assigned.data;
    await this.workspaces.open(tx, { id: workspaceId, caseId: assigned.caseId, unitId, handler, tier, openedAt: assigned.occurredAt });
    await this.workspaces.trail(tx, {
      caseId: assigned.caseId,
      at: assigned.occurredAt,
      by: assigned.data.by ?? 'dispatch',
      unitId,
      action: live ? 'workspace-moved' : 'workspace-opened',
      detail: { workspaceId, from: live?.unitId ?? null, handler },
    });
    await lastValueFrom(this.outbox.in(tx).emit(WorkspaceOpened.type, newEvent(WorkspaceOpened, { caseId: assigned.caseId, unitId, data: { workspaceId, unitId, handler } })));
  }
}
