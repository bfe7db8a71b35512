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
  topicOf,
} from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { issueCard } from './infrastructure/cards';
import { StagesAndPauses1763900000370 } from './infrastructure/1763900000370-stages-and-pauses';
import { UnitCalendars1763900000380 } from './infrastructure/1763900000380-unit-calendars';
import { TimerVacuum1763900000390 } from './infrastructure/1763900000390-timer-vacuum';
import { RiskLedger1763900000400 } from './infrastructure/1763900000400-risk-ledger';
import { SlaPolicies1763900000420 } from './infrastructure/1763900000420-sla-policies';
import { RiskScores1763900000430 } from './infrastructure/1763900000430-risk-scores';
import { RiskScorer } from './infrastructure/risk-scorer';
import { PolicyProvider } from './infrastructure/policy-provider';
import { SlaPoliciesController } from './api/sla-policies.controller';
import { RiskBoard } from './infrastructure/risk-board';
import { RiskController } from './api/risk.controller';
import type { RiskModel } from './domain/risk';
import shippedRiskModel from './domain/risk-model.json';
import { CASE_ACCESS, CaseConfidentiality1763900000992, CaseUnitPath1763900000993, CaseAccessCopy, DomainServiceDefinition, runDomainService, withCaseConfidentiality } from '@duban/service-defaults';
import { ClocksController } from './api/clocks.controller';
import { LightsController } from './api/lights.controller';
import { CalendarsController } from './api/calendars.controller';
import { SupervisionController } from './api/supervision.controller';
import { LIGHTS } from './infrastructure/lights-config';
import { SupervisionOrders1763900000340 } from './infrastructure/1763900000340-supervision-orders';
import { SupervisionLevel1763900000350 } from './infrastructure/1763900000350-supervision-level';
import { Cards1763900000360 } from './infrastructure/1763900000360-cards';
import { CardsController } from './api/cards.controller';
import { UnitCalendarsController } from './api/unit-calendars.controller';
import { CalendarProvider } from './infrastructure/calendar-provider';
import { HolidayYears1763900000330 } from './infrastructure/1763900000330-holiday-years';
import { ASSIST_POLICY_ID, DESIGNATE_POLICY, FIRST_STAGES, LEAD_STAGES, RESULT_STAGES, Stage, Tier } from './domain/sla-policy';
import { EscalationSchema1763900000300 } from './infrastructure/1763900000300-escalation-schema';
import { CaseTiers1763900000310 } from './infrastructure/1763900000310-case-tiers';
import { meetClocks, pauseClocks, resumeClocks, startClock, stopTimers } from './infrastructure/clocks';
import { LightTimers1763900000320 } from './infrastructure/1763900000320-light-timers';
import { TimerSweeper } from './infrastructure/timer-sweeper';
import { LightPolicy } from './domain/lights';
import { Type } from '@sinclair/typebox';
import { hostname } from 'node:os';
import type { EntityManager } from 'typeorm';


export const escalationService: DomainServiceDefinition = {
  service: 'escalation',
  defaultPort: 8084,
  migrations: [EscalationSchema1763900000300, CaseTiers1763900000310, LightTimers1763900000320, HolidayYears1763900000330, SupervisionOrders1763900000340, SupervisionLevel1763900000350, Cards1763900000360, StagesAndPauses1763900000370, UnitCalendars1763900000380, TimerVacuum1763900000390, RiskLedger1763900000400, SlaPolicies1763900000420, RiskScores1763900000430, CaseConfidentiality1763900000992, CaseUnitPath1763900000993],
  config: {
    /** Share of a stage's allowed time at which its light turns yellow (the handler is warned). */
    ESCALATION_YELLOW_AT: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.5 }),
    /** … orange (the unit head is warned); red is the limit itself (the supervision office). */
    ESCALATION_ORANGE_AT: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.8 }),
    /** Early warning: the platform's offset from UTC in minutes, for the model's time-of-day features (China 480). */
    RISK_UTC_OFFSET_MINUTES: Type.Integer({ minimum: -720, maximum: 840, default: 480 }),
    /** Early warning: how long the loaded case ledger is reused before it is read again (ms). */
    RISK_LEDGER_TTL_MS: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 60_000 }),
    /** Early warning: days of closed cases the ledger learns history and load from (open ones always count). */
    RISK_HISTORY_DAYS: Type.Integer({ minimum: 7, maximum: 730, default: 180 }),
    /** Early warning: how often every open case is scored again for the board (ms). */
    RISK_SCORE_INTERVAL_MS: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 60_000 }),
    /** Early warning: how soon after a case changes unit, category or limit it is scored again (ms). */
    RISK_RESCORE_DELAY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000 }),
  },
  controllers: [ClocksController, LightsController, CalendarsController, UnitCalendarsController, SupervisionController, CardsController, RiskController, SlaPoliciesController],
  compose(runtime, config) {
    const lights: LightPolicy = { yellow: config.ESCALATION_YELLOW_AT as number, orange: config.ESCALATION_ORANGE_AT as number };
    if (!(lights.yellow < lights.orange)) throw new Error('ESCALATION_YELLOW_AT must be below ESCALATION_ORANGE_AT');
    const sweeper = new TimerSweeper({
      dataSource: runtime.dataSource,
      topic: runtime.topic,
      logger: runtime.logger,
      name: `${hostname()}:${process.pid}`,
      escalateStages: [...LEAD_STAGES],
      onFired: (ms) => runtime.metrics.timerLateness.observe(ms / 1000),
    });
    const calendars = new CalendarProvider(runtime.dataSource);
    const policyProvider = new PolicyProvider(runtime.dataSource);
    const risk = new RiskBoard(runtime.dataSource, shippedRiskModel as RiskModel, {
      utcOffsetMinutes: config.RISK_UTC_OFFSET_MINUTES as number,
      ledgerTtlMs: config.RISK_LEDGER_TTL_MS as number,
      historyDays: config.RISK_HISTORY_DAYS as number,
    });
    const scorer = new RiskScorer(risk, {
      intervalMs: config.RISK_SCORE_INTERVAL_MS as number,
      delayMs: config.RISK_RESCORE_DELAY_MS as number,
      name: `${hostname()}:${process.pid}`,
      logger: runtime.logger,
    });
    /** The case goes back to its unit: open again for early warning, its result clock restarted with the tier's limit. */
    const rework = async (tx: EntityManager, caseId: string, unitId: string, at: Date) => {
      await tx.query(`UPDATE case_risk SET closed_at = NULL, scored_at = NULL WHERE case_id = $1`, [caseId]);
      scorer.nudge();
      const [known] = await tx.query('SELECT tier FROM case_tiers WHERE case_id = $1', [caseId]);
      const [last] = await tx.query(`SELECT tier FROM sla_clocks WHERE case_id = $1 ORDER BY started_at DESC LIMIT 1`, [caseId]);
      const tier = (known?.tier ?? last?.tier ?? 'general') as Tier;
      const policy = (await policyProvider.current()).result[tier];
      await meetClocks(tx, caseId, RESULT_STAGES, {}, 'cancelled');
      await startClock(tx, runtime.topic, await calendars.forUnit(unitId), { ...policy, id: `${policy.id}.rework` }, { caseId, unitId, tier, startedAt: at }, lights);
      return policy;
    };
    return {
      workers: [sweeper, scorer],
      providers: [
        { provide: CASE_ACCESS, useValue: new CaseAccessCopy(runtime) },
        { provide: CalendarProvider, useValue: calendars },
        { provide: LIGHTS, useValue: lights },
        { provide: RiskBoard, useValue: risk },
        { provide: PolicyProvider, useValue: policyProvider },
      ],
      consumers: [
        {
          topics: [topicOf('dispatch'), topicOf('intake'), topicOf('collaboration'), topicOf('assessment')],
          handlers: withCaseConfidentiality({
            // What the early-warning ledger needs from intake: the category and the channel.
            [CaseReceived.type]: async (event, tx) => {
              const received = event as EventOf<typeof CaseReceived>;
              await tx.query(
                `INSERT INTO case_risk (case_id, category, channel) VALUES ($1, $2, $3)
                 ON CONFLICT (case_id) DO UPDATE SET channel = EXCLUDED.channel, category = COALESCE(case_risk.category, EXCLUDED.category)`,
                [received.caseId, received.data.category, received.data.channel],
              );
            },
            // An assignment starts the tier's first-response and result clocks, on the unit's calendar.
            [CaseAssigned.type]: async (event, tx) => {
              const assigned = event as EventOf<typeof CaseAssigned>;
              // The early-warning ledger: the unit responsible now, taken on at the first assignment.
              await tx.query(
                `INSERT INTO case_risk (case_id, category, unit_id, opened_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (case_id) DO UPDATE SET category = EXCLUDED.category, unit_id = EXCLUDED.unit_id,
                        opened_at = LEAST(COALESCE(case_risk.opened_at, EXCLUDED.opened_at), EXCLUDED.opened_at), scored_at = NULL`,
                [assigned.caseId, assigned.data.category, assigned.data.unitId, assigned.occurredAt],
              );
              scorer.nudge();
              const calendar = await calendars.forUnit(assigned.data.unitId);
              // Who is responsible now (supervision orders go to them).
              await tx.query(
                `INSERT INTO case_units (case_id, unit_id, assignee, assigned_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (case_id) DO UPDATE SET unit_id = EXCLUDED.unit_id, assignee = EXCLUDED.assignee, assigned_at = EXCLUDED.assigned_at
                 WHERE case_units.assigned_at <= EXCLUDED.assigned_at`,
                [assigned.caseId, assigned.data.unitId, assigned.data.assignee, assigned.occurredAt],
              );
              const [known] = await tx.query('SELECT tier FROM case_tiers WHERE case_id = $1', [assigned.caseId]);
              const clock = {
                caseId: assigned.caseId,
                unitId: assigned.data.unitId,
                tier: (known?.tier ?? assigned.data.tier) as Tier,
                startedAt: new Date(assigned.occurredAt),
              };
              const clocks: { stage: string; state: string }[] = await tx.query(`SELECT stage, state FROM sla_clocks WHERE case_id = $1`, [assigned.caseId]);
              // A new lead unit must sign for the case in its turn; the case keeps its first-response limit while it runs.
              const policies = await policyProvider.current();
              if (!clocks.some((r) => r.state === 'running' && FIRST_STAGES.includes(r.stage as Stage))) await startClock(tx, runtime.topic, calendar, policies.first[clock.tier], clock, lights);
              // The result limit runs from the first assignment, whoever leads later.
              if (!clocks.some((r) => r.state !== 'cancelled' && RESULT_STAGES.includes(r.stage as Stage))) {
                await startClock(tx, runtime.topic, calendar, policies.result[clock.tier], clock, lights);
              }
              // The coordinator queue has its own limit: designate the lead unit within 1 working day.
              if (assigned.data.via === 'coordinator' && !clocks.some((r) => r.state === 'running' && r.stage === DESIGNATE_POLICY.stage)) {
                await startClock(tx, runtime.topic, calendar, policies.designate, clock, lights);
              }
            },
            // The designation meets the coordinator's limit.
            [CaseLeadDesignated.type]: async (event, tx) => {
              await meetClocks(tx, event.caseId, [DESIGNATE_POLICY.stage]);
            },
            // A new tier re-times the running clocks: same start, the new tier's limits.
            [CaseReclassified.type]: async (event, tx) => {
              const reclassified = event as EventOf<typeof CaseReclassified>;
              await tx.query(
                `INSERT INTO case_tiers (case_id, tier, changed_at) VALUES ($1, $2, $3)
                 ON CONFLICT (case_id) DO UPDATE SET tier = EXCLUDED.tier, changed_at = EXCLUDED.changed_at
                 WHERE case_tiers.changed_at <= EXCLUDED.changed_at`,
                [reclassified.caseId, reclassified.data.toTier, reclassified.occurredAt],
              );
              await tx.query(`UPDATE case_risk SET category = $2, scored_at = NULL WHERE case_id = $1`, [reclassified.caseId, reclassified.data.toCategory]);
              scorer.nudge();
              const current = await policyProvider.current();
              for (const [stages, policies] of [
                [FIRST_STAGES, current.first],
                [RESULT_STAGES, current.result],
              ] as const) {
                // For UPDATE … RETURNING the driver answers [rows, affected count].
                const [cancelled]: [{ id: string; unit_id: string; started_at: Date }[], number] = await tx.query(
                  `UPDATE sla_clocks SET state = 'cancelled' WHERE case_id = $1 AND state = 'running' AND stage = ANY($2) AND paused_at IS NULL
                   RETURNING id, unit_id, started_at`,
                  [reclassified.caseId, stages],
                );
                await stopTimers(tx, cancelled.map((c) => c.id));
                const [clock] = cancelled;
                if (!clock) continue;
                await startClock(tx, runtime.topic, await calendars.forUnit(clock.unit_id), policies[reclassified.data.toTier], {
                  caseId: reclassified.caseId,
                  unitId: clock.unit_id,
                  tier: reclassified.data.toTier,
                  startedAt: clock.started_at,
                }, lights);
              }
            },
            // 签收 meets the first-response limit.
            [CaseAccepted.type]: async (event, tx) => {
              await meetClocks(tx, event.caseId, FIRST_STAGES);
            },
            // A result meets the result limit (and a complex case's solution limit, if no solution was co-signed before).
            [ResultSubmitted.type]: async (event, tx) => {
              await meetClocks(tx, event.caseId, RESULT_STAGES);
              await tx.query(`UPDATE case_risk SET closed_at = $2 WHERE case_id = $1 AND closed_at IS NULL`, [event.caseId, event.occurredAt]);
            },
            [CaseCosigned.type]: async (event, tx) => {
              await meetClocks(tx, event.caseId, ['solution']);
            },
            // 退回重办: a yellow card for the unit, and the tier's result limit again from the rejection.
            [ResultRejected.type]: async (event, tx) => {
              const rejected = event as EventOf<typeof ResultRejected>;
              const at = new Date(rejected.occurredAt);
              const policy = await rework(tx, rejected.caseId, rejected.data.unitId, at);
              const events = await issueCard(tx, { caseId: rejected.caseId, unitId: rejected.data.unitId, clockId: null, stage: policy.stage, kind: 'yellow', reason: `result rejected: ${rejected.data.reason}`.slice(0, 500) }, at);
              await enqueue(tx, runtime.topic, events);
            },
            // 重办 after an unsatisfied rating: the tier's result limit again (the rebound itself counts in assessment).
            [CaseRebounded.type]: async (event, tx) => {
              const rebounded = event as EventOf<typeof CaseRebounded>;
              await rework(tx, rebounded.caseId, rebounded.data.unitId, new Date(rebounded.occurredAt));
            },
            // The lead unit's limits stop while the case waits on the reporter, and run on with what was left.
            [CasePaused.type]: async (event, tx) => {
              await pauseClocks(tx, event.caseId, LEAD_STAGES, new Date(event.occurredAt), (unit) => calendars.forUnit(unit));
            },
            [CaseResumed.type]: async (event, tx) => {
              await resumeClocks(tx, runtime.topic, event.caseId, new Date(event.occurredAt), (unit) => calendars.forUnit(unit));
              // The limit moved by the time the case waited.
              await tx.query(`UPDATE case_risk SET scored_at = NULL WHERE case_id = $1`, [event.caseId]);
              scorer.nudge();
            },
            // A cooperating unit's reply limit: the lead's deadline, or 4 working hours on the cooperating unit's calendar.
            [AssistRequested.type]: async (event, tx) => {
              const requested = event as EventOf<typeof AssistRequested>;
              const at = new Date(requested.occurredAt);
              const [known] = await tx.query('SELECT tier FROM case_tiers WHERE case_id = $1', [requested.caseId]);
              const policy = requested.data.dueAt
                ? { id: `${ASSIST_POLICY_ID}.deadline`, stage: 'assist' as const, minutes: Math.max(1, (new Date(requested.data.dueAt).getTime() - at.getTime()) / 60_000), basis: 'elapsed' as const }
                : { id: `${ASSIST_POLICY_ID}.${requested.data.replyWithinWorkingMinutes}wm`, stage: 'assist' as const, minutes: requested.data.replyWithinWorkingMinutes, basis: 'working' as const };
              await startClock(tx, runtime.topic, await calendars.forUnit(requested.data.unitId), policy, {
                caseId: requested.caseId,
                unitId: requested.data.unitId,
                tier: (known?.tier ?? 'general') as Tier,
                startedAt: at,
                ref: requested.data.assistId,
              }, lights);
            },
            // More time granted: the reply limit moves to the agreed date.
            [AssistExtensionDecided.type]: async (event, tx) => {
              const decided = event as EventOf<typeof AssistExtensionDecided>;
              if (!decided.data.granted) return;
              const at = new Date(decided.occurredAt);
              const [old]: [{ id: string; tier: Tier }[], number] = await tx.query(
                `UPDATE sla_clocks SET state = 'cancelled' WHERE ref = $1 AND state = 'running' RETURNING id, tier`,
                [decided.data.assistId],
              );
              await stopTimers(tx, old.map((o) => o.id));
              const minutes = Math.max(1, (new Date(decided.data.until).getTime() - at.getTime()) / 60_000);
              await startClock(tx, runtime.topic, await calendars.forUnit(decided.data.unitId), { id: `${ASSIST_POLICY_ID}.extended`, stage: 'assist', minutes, basis: 'elapsed' }, {
                caseId: decided.caseId,
                unitId: decided.data.unitId,
                tier: old[0]?.tier ?? 'general',
                startedAt: at,
                ref: decided.data.assistId,
              }, lights);
            },
            [AssistReplied.type]: async (event, tx) => {
              await meetClocks(tx, event.caseId, ['assist'], { ref: (event as EventOf<typeof AssistReplied>).data.assistId });
            },
            [AssistDeclined.type]: async (event, tx) => {
              await meetClocks(tx, event.caseId, ['assist'], { ref: (event as EventOf<typeof AssistDeclined>).data.assistId });
            },
            [AssistCancelled.type]: async (event, tx) => {
              await meetClocks(tx, event.caseId, ['assist'], { ref: (event as EventOf<typeof AssistCancelled>).data.assistId }, 'cancelled');
            },
          }),
        },
      ],
    };
  },
};

/** Runs the service as its own process (apps/escalation). */
export const main = () => runDomainService(escalationService);
export * from './domain/risk';
