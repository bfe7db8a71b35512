import { Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  AssistReplied,
  AssistRequested,
  CaseAccepted,
  CaseAssigned,
  CaseReceived,
  CaseResolved,
  EventOf,
  RatingSubmitted,
  ResultSubmitted,
  SlaClockStarted,
  SlaLightChanged,
} from '@duban/contracts';
import { EventContext, EventsController } from '@duban/messaging';
import { KpiProjector, RESULT_STAGES } from '../application/kpi-projector';
import { Ratings } from '../application/ratings';
import { CaseLedger } from '../infrastructure/case-ledger';

/** What assessment counts from the other services' events: the units' KPIs day by day, ratings and who may give them. */
@EventsController()
export class AssessmentEvents {
  constructor(
    @Inject(KpiProjector) private readonly kpi: KpiProjector,
    @Inject(Ratings) private readonly ratings: Ratings,
    @Inject(CaseLedger) private readonly ledger: CaseLedger,
  ) {}

  /** A rating through Open311 (intake checked the client; the reporter is checked here). */
  @EventPattern(RatingSubmitted.type)
  async ratingSubmitted(@Payload() submitted: EventOf<typeof RatingSubmitted>, @Ctx() { tx }: EventContext): Promise<void> {
    await this.ratings.rateSubmitted(tx, submitted.caseId, submitted.data);
  }

  /** Who may rate the case: its reporter. */
  @EventPattern(CaseReceived.type)
  async received(@Payload() received: EventOf<typeof CaseReceived>, @Ctx() { tx }: EventContext): Promise<void> {
    await this.ledger.reporter(tx, received.caseId, received.data.reporter.subject, received.data.reporter.username ?? null);
  }

  /** The case counts into the responsible unit's open cases; a reassignment moves it. */
  @EventPattern(CaseAssigned.type)
  async assigned(@Payload() assigned: EventOf<typeof CaseAssigned>, @Ctx() { tx }: EventContext): Promise<void> {
    await this.ledger.opened(tx, assigned.caseId, assigned.data.unitId, assigned.occurredAt);
    await this.kpi.assigned(tx, assigned.caseId, assigned.data.unitId, assigned.occurredAt, assigned.data.category, assigned.data.assignee);
  }

  /** The limits the first response and the first result are judged against. */
  @EventPattern(SlaClockStarted.type)
  async clockStarted(@Payload() started: EventOf<typeof SlaClockStarted>, @Ctx() { tx }: EventContext): Promise<void> {
    await this.kpi.clockStarted(tx, started);
  }

  /** A result limit that ran out with no result is a late completion at that moment. */
  @EventPattern(SlaLightChanged.type)
  async lightChanged(@Payload() light: EventOf<typeof SlaLightChanged>, @Ctx() { tx }: EventContext): Promise<void> {
    if (light.data.light !== 'red' || !RESULT_STAGES.includes(light.data.stage) || !light.unitId) return;
    await this.kpi.resultOverdue(tx, light.caseId, light.unitId, new Date(light.occurredAt));
  }

  @EventPattern(CaseAccepted.type)
  async accepted(@Payload() accepted: EventOf<typeof CaseAccepted>, @Ctx() { tx }: EventContext): Promise<void> {
    await this.kpi.outcome(tx, accepted.caseId, 'first', accepted.data.unitId, new Date(accepted.occurredAt), accepted.data.by);
  }

  @EventPattern(ResultSubmitted.type)
  async resultSubmitted(@Payload() submitted: EventOf<typeof ResultSubmitted>, @Ctx() { tx }: EventContext): Promise<void> {
    await this.kpi.outcome(tx, submitted.caseId, 'result', submitted.data.unitId, new Date(submitted.occurredAt), submitted.data.by);
  }

  @EventPattern(AssistRequested.type)
  async assistRequested(@Payload() requested: EventOf<typeof AssistRequested>, @Ctx() { tx }: EventContext): Promise<void> {
    await this.kpi.assistRequested(tx, requested.data.assistId, requested.data.unitId, requested.occurredAt);
  }

  @EventPattern(AssistReplied.type)
  async assistReplied(@Payload() replied: EventOf<typeof AssistReplied>, @Ctx() { tx }: EventContext): Promise<void> {
    await this.kpi.assistReplied(tx, replied.data.assistId, replied.occurredAt, replied.data.by);
  }

  /** Resolved: no longer open; the resolution waits for the reporter's rating. */
  @EventPattern(CaseResolved.type)
  async resolved(@Payload() resolved: EventOf<typeof CaseResolved>, @Ctx() { tx }: EventContext): Promise<void> {
    await this.ledger.resolved(tx, resolved.caseId);
    await this.ratings.resolved(tx, resolved.caseId, resolved.data.unitId, new Date(resolved.occurredAt), resolved.data.by);
  }
}
