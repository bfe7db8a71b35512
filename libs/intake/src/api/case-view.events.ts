import { Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  CaseAssigned,
  CaseReturned,
  CaseLeadDesignated,
  SlaClockStarted,
  SlaLightChanged,
  SupervisionOrdered,
  SupervisionReplied,
  SupervisionEscalated,
  CardIssued,
  WorkspaceOpened,
  CaseAccepted,
  CaseProgressed,
  CasePaused,
  CaseResumed,
  ResultSubmitted,
  ResultRejected,
  CaseResolved,
  CaseRated,
  CaseRebounded,
  CaseRevisited,
  CaseClosed,
  AssistRequested,
  AssistExtensionRequested,
  AssistExtensionDecided,
  AssistReplied,
  AssistDeclined,
  AssistReminded,
  AssistCancelled,
  CosignRequested,
  CosignDecided,
  CaseCosigned,
  TaskForceFormed,
  NotificationDelivered,
  AnyEnvelope,
} from '@duban/contracts';
import { EventBatchPattern, EventContext, EventsController } from '@duban/messaging';
import { CaseRepository } from '../infrastructure/case.repository';

/** The lifecycle events of every service that the case view shows (ARCHITECTURE.md: one read, no fan-out). */
export const CASE_VIEW_EVENTS = [
  CaseAssigned.type,
  CaseReturned.type,
  CaseLeadDesignated.type,
  SlaClockStarted.type,
  SlaLightChanged.type,
  SupervisionOrdered.type,
  SupervisionReplied.type,
  SupervisionEscalated.type,
  CardIssued.type,
  WorkspaceOpened.type,
  CaseAccepted.type,
  CaseProgressed.type,
  CasePaused.type,
  CaseResumed.type,
  ResultSubmitted.type,
  ResultRejected.type,
  CaseResolved.type,
  CaseRated.type,
  CaseRebounded.type,
  CaseRevisited.type,
  CaseClosed.type,
  AssistRequested.type,
  AssistExtensionRequested.type,
  AssistExtensionDecided.type,
  AssistReplied.type,
  AssistDeclined.type,
  AssistReminded.type,
  AssistCancelled.type,
  CosignRequested.type,
  CosignDecided.type,
  CaseCosigned.type,
  TaskForceFormed.type,
  NotificationDelivered.type,
] as const;

/** Intake keeps the case view — state, unit, clocks, timeline — from the other services' events. */
@EventsController()
export class CaseViewEvents {
  constructor(@Inject(CaseRepository) private readonly cases: CaseRepository) {}

  /** A delivery's events at once, in multi-row statements (the hot path of issue 13: hand-written SQL in the repository). */
  @EventBatchPattern(CASE_VIEW_EVENTS)
  project(@Payload() events: AnyEnvelope[], @Ctx() { tx }: EventContext): Promise<void> {
    return this.cases.project(tx, events);
  }
}
