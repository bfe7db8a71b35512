import { Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  AssistCancelled,
  AssistDeclined,
  AssistExtensionDecided,
  AssistReplied,
  AssistRequested,
  CaseAccepted,
  CaseAssigned,
  CaseCosigned,
  CaseLeadDesignated,
  CasePaused,
  CaseReceived,
  CaseRebounded,
  CaseReclassified,
  CaseResumed,
  EventOf,
  ResultRejected,
  ResultSubmitted,
} from '@duban/contracts';
import { EventContext, EventsController, OutboxClient } from '@duban/messaging';
import type { EntityManager } from 'typeorm';
import { LightPolicy } from '../domain/lights';
import { ASSIST_POLICY_ID, DESIGNATE_POLICY, FIRST_STAGES, LEAD_STAGES, RESULT_STAGES, SlaPolicy, Stage, Tier } from '../domain/sla-policy';
import { CalendarProvider } from '../infrastructure/calendar-provider';
import { issueCard } from '../infrastructure/cards';
import { CaseRecords } from '../infrastructure/case-records';
import { meetClocks, pauseClocks, resumeClocks, startClock, startClocks, stopTimers } from '../infrastructure/clocks';
import { LIGHTS } from '../infrastructure/lights-config';
import { PolicyProvider } from '../infrastructure/policy-provider';
import { RiskScorer } from '../infrastructure/risk-scorer';

/**
 * What escalation does with the other services' events: each stage's clock on the unit's working
 * calendar started, met, paused, resumed or re-timed; cards for rejected results; the early-warning
 * ledger kept so the scorer rates each open case again when it changes.
 */
@EventsController()
export class EscalationEvents {
  constructor(
    @Inject(CaseRecords) private readonly records: CaseRecords,
    @Inject(CalendarProvider) private readonly calendars: CalendarProvider,
    @Inject(PolicyProvider) private readonly policies: PolicyProvider,
    @Inject(RiskScorer) private readonly scorer: RiskScorer,
    @Inject(LIGHTS) private readonly lights: LightPolicy,
    @Inject(OutboxClient) private readonly outbox: OutboxClient,
  ) {}

  /** What the early-warning ledger needs from intake: the category and the channel. */
  @EventPattern(CaseReceived.type)
  async received(@Payload() received: EventOf<typeof CaseReceived>, @Ctx() { tx }: EventContext): Promise<void> {
    await this.records.received(tx, received.caseId, received.data.category, received.data.channel);
  }

  /** An assignment starts the tier's first-response and result clocks, on the unit's calendar. */
  @EventPattern(CaseAssigned.type)
  async assigned(@Payload() assigned: EventOf<typeof CaseAssigned>, @Ctx() { tx }: EventContext): Promise<void> {
    const { unitId, assignee, category } = assigned.data;
    await this.records.assigned(tx, { caseId: assigned.caseId, category, unitId, assignee, at: assigned.occurredAt });
    this.scorer.nudge();
    const calendar = await this.calendars.forUnit(unitId);
    const { tier, clocks } = await this.records.clockContext(tx, assigned.caseId);
    const clock = { caseId: assigned.caseId, unitId, tier: tier ?? assigned.data.tier, startedAt: new Date(assigned.occurredAt) };
    const policies = await this.policies.current();
    const starts: Omit<SlaPolicy, 'tier'>[] = [];
    // A new lead unit must sign for the case in its turn; the case keeps its first-response limit while it runs.
    if (!clocks.some((r) => r.state === 'running' && FIRST_STAGES.includes(r.stage as Stage))) starts.push(policies.first[clock.tier]);
    // The result limit runs from the first assignment, whoever leads later.
    if (!clocks.some((r) => r.state !== 'cancelled' && RESULT_STAGES.includes(r.stage as Stage))) starts.push(policies.result[clock.tier]);
    // The coordinator queue has its own limit: designate the lead unit within 1 working day.
    if (assigned.data.via === 'coordinator' && !clocks.some((r) => r.state === 'running' && r.stage === DESIGNATE_POLICY.stage)) starts.push(policies.designate);
    await startClocks(tx, this.outbox.topic, calendar, starts.map((policy) => ({ policy, clock })), this.lights);
  }

  /** The designation meets the coordinator's limit. */
  @EventPattern(CaseLeadDesignated.type)
  async leadDesignated(@Payload() event: EventOf<typeof CaseLeadDesignated>, @Ctx() { tx }: EventContext): Promise<void> {
    await meetClocks(tx, event.caseId, [DESIGNATE_POLICY.stage]);
  }

  /** A new tier re-times the running clocks: same start, the new tier's limits. */
  @EventPattern(CaseReclassified.type)
  async reclassified(@Payload() reclassified: EventOf<typeof CaseReclassified>, @Ctx() { tx }: EventContext): Promise<void> {
    const { toTier, toCategory } = reclassified.data;
    await this.records.reclassified(tx, reclassified.caseId, toTier, toCategory, reclassified.occurredAt);
    this.scorer.nudge();
    const current = await this.policies.current();
    for (const [stages, policies] of [
      [FIRST_STAGES, current.first],
      [RESULT_STAGES, current.result],
    ] as const) {
      const cancelled = await this.records.cancelRunning(tx, reclassified.caseId, stages);
      await stopTimers(tx, cancelled.map((c) => c.id));
      const [clock] = cancelled;
      if (!clock) continue;
      await this.start(tx, await this.calendars.forUnit(clock.unit_id), policies[toTier], { caseId: reclassified.caseId, unitId: clock.unit_id, tier: toTier, startedAt: clock.started_at });
    }
  }

  /** 签收 meets the first-response limit. */
  @EventPattern(CaseAccepted.type)
  async accepted(@Payload() event: EventOf<typeof CaseAccepted>, @Ctx() { tx }: EventContext): Promise<void> {
    await meetClocks(tx, event.caseId, FIRST_STAGES);
  }

  /** A result meets the result limit (and a complex case's solution limit, if no solution was co-signed before). */
  @EventPattern(ResultSubmitted.type)
  async resultSubmitted(@Payload() event: EventOf<typeof ResultSubmitted>, @Ctx() { tx }: EventContext): Promise<void> {
    await meetClocks(tx, event.caseId, RESULT_STAGES);
    await this.records.closed(tx, event.caseId, event.occurredAt);
  }

  @EventPattern(CaseCosigned.type)
  async cosigned(@Payload() event: EventOf<typeof CaseCosigned>, @Ctx() { tx }: EventContext): Promise<void> {
    await meetClocks(tx, event.caseId, ['solution']);
  }

  /** 退回重办: a yellow card for the unit, and the tier's result limit again from the rejection. */
  @EventPattern(ResultRejected.type)
  async resultRejected(@Payload() rejected: EventOf<typeof ResultRejected>, @Ctx() { tx }: EventContext): Promise<void> {
    const at = new Date(rejected.occurredAt);
    const { unitId, reason } = rejected.data;
    const policy = await this.rework(tx, rejected.caseId, unitId, at);
    const card = { caseId: rejected.caseId, unitId, clockId: null, stage: policy.stage, kind: 'yellow' as const, reason: `result rejected: ${reason}`.slice(0, 500) };
    await this.outbox.write(tx, await issueCard(tx, card, at));
  }

  /** 重办 after an unsatisfied rating: the tier's result limit again (the rebound itself counts in assessment). */
  @EventPattern(CaseRebounded.type)
  async rebounded(@Payload() rebounded: EventOf<typeof CaseRebounded>, @Ctx() { tx }: EventContext): Promise<void> {
    await this.rework(tx, rebounded.caseId, rebounded.data.unitId, new Date(rebounded.occurredAt));
  }

  /** The lead unit's limits stop while the case waits on the reporter, and run on with what was left. */
  @EventPattern(CasePaused.type)
  async paused(@Payload() event: EventOf<typeof CasePaused>, @Ctx() { tx }: EventContext): Promise<void> {
    await pauseClocks(tx, event.caseId, LEAD_STAGES, new Date(event.occurredAt), (unit) => this.calendars.forUnit(unit));
  }

  @EventPattern(CaseResumed.type)
  async resumed(@Payload() event: EventOf<typeof CaseResumed>, @Ctx() { tx }: EventContext): Promise<void> {
    await resumeClocks(tx, this.outbox.topic, event.caseId, new Date(event.occurredAt), (unit) => this.calendars.forUnit(unit));
    // The limit moved by the time the case waited.
    await this.records.rescore(tx, event.caseId);
    this.scorer.nudge();
  }

  /** A cooperating unit's reply limit: the lead's deadline, or 4 working hours on the cooperating unit's calendar. */
  @EventPattern(AssistRequested.type)
  async assistRequested(@Payload() requested: EventOf<typeof AssistRequested>, @Ctx() { tx }: EventContext): Promise<void> {
    const at = new Date(requested.occurredAt);
    const { dueAt, replyWithinWorkingMinutes, unitId, assistId } = requested.data;
    const policy = dueAt
      ? { id: `${ASSIST_POLICY_ID}.deadline`, stage: 'assist' as const, minutes: Math.max(1, (new Date(dueAt).getTime() - at.getTime()) / 60_000), basis: 'elapsed' as const }
      : { id: `${ASSIST_POLICY_ID}.${replyWithinWorkingMinutes}wm`, stage: 'assist' as const, minutes: replyWithinWorkingMinutes, basis: 'working' as const };
    const tier = (await this.records.tier(tx, requested.caseId)) ?? 'general';
    await this.start(tx, await this.calendars.forUnit(unitId), policy, { caseId: requested.caseId, unitId, tier, startedAt: at, ref: assistId });
  }

  /** More time granted: the reply limit moves to the agreed date. */
  @EventPattern(AssistExtensionDecided.type)
  async assistExtensionDecided(@Payload() decided: EventOf<typeof AssistExtensionDecided>, @Ctx() { tx }: EventContext): Promise<void> {
    if (!decided.data.granted) return;
    const at = new Date(decided.occurredAt);
    const old = await this.records.cancelAssistClock(tx, decided.data.assistId);
    await stopTimers(tx, old.map((o) => o.id));
    const minutes = Math.max(1, (new Date(decided.data.until).getTime() - at.getTime()) / 60_000);
    await this.start(tx, await this.calendars.forUnit(decided.data.unitId), { id: `${ASSIST_POLICY_ID}.extended`, stage: 'assist', minutes, basis: 'elapsed' }, {
      caseId: decided.caseId,
      unitId: decided.data.unitId,
      tier: old[0]?.tier ?? 'general',
      startedAt: at,
      ref: decided.data.assistId,
    });
  }

  @EventPattern(AssistReplied.type)
  async assistReplied(@Payload() event: EventOf<typeof AssistReplied>, @Ctx() { tx }: EventContext): Promise<void> {
    await meetClocks(tx, event.caseId, ['assist'], { ref: event.data.assistId });
  }

  @EventPattern(AssistDeclined.type)
  async assistDeclined(@Payload() event: EventOf<typeof AssistDeclined>, @Ctx() { tx }: EventContext): Promise<void> {
    await meetClocks(tx, event.caseId, ['assist'], { ref: event.data.assistId });
  }

  @EventPattern(AssistCancelled.type)
  async assistCancelled(@Payload() event: EventOf<typeof AssistCancelled>, @Ctx() { tx }: EventContext): Promise<void> {
    await meetClocks(tx, event.caseId, ['assist'], { ref: event.data.assistId }, 'cancelled');
  }

  private start(tx: EntityManager, calendar: Awaited<ReturnType<CalendarProvider['forUnit']>>, policy: Omit<SlaPolicy, 'tier'>, clock: Parameters<typeof startClock>[4]): Promise<string> {
    return startClock(tx, this.outbox.topic, calendar, policy, clock, this.lights);
  }

  /** The case goes back to its unit: open again for early warning, its result clock restarted with the tier's limit. */
  private async rework(tx: EntityManager, caseId: string, unitId: string, at: Date) {
    await this.records.reopened(tx, caseId);
    this.scorer.nudge();
    const tier: Tier = (await this.records.tier(tx, caseId)) ?? (await this.records.lastClockTier(tx, caseId)) ?? 'general';
    const policy = (await this.policies.current()).result[tier];
    await meetClocks(tx, caseId, RESULT_STAGES, {}, 'cancelled');
    await this.start(tx, await this.calendars.forUnit(unitId), { ...policy, id: `${policy.id}.rework` }, { caseId, unitId, tier, startedAt: at });
    return policy;
  }
}
