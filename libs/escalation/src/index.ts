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
import { CASE_ACCESS, CaseConfidentiality1763900000992, CaseUnitPath1763900000993, CaseAccessCopy, CaseConfidentialityEvents, CaseFiledLevelEvents, DomainServiceDefinition, runDomainService } from '@duban/service-defaults';
import { ClocksController } from './api/clocks.controller';
import { EscalationEvents } from './api/escalation.events';
import { CaseRecords } from './infrastructure/case-records';
import { SupervisionOrdersRepository } from './infrastructure/supervision-orders.repository';
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
import { LEAD_STAGES } from './domain/sla-policy';
import { EscalationSchema1763900000300 } from './infrastructure/1763900000300-escalation-schema';
import { CaseTiers1763900000310 } from './infrastructure/1763900000310-case-tiers';
import { LightTimers1763900000320 } from './infrastructure/1763900000320-light-timers';
import { TimerSweeper } from './infrastructure/timer-sweeper';
import { LightPolicy } from './domain/lights';
import { Type } from '@sinclair/typebox';
import { hostname } from 'node:os';

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
  events: [CaseFiledLevelEvents, CaseConfidentialityEvents, EscalationEvents],
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
    return {
      workers: [sweeper, scorer],
      providers: [
        { provide: CASE_ACCESS, useValue: new CaseAccessCopy(runtime) },
        { provide: CalendarProvider, useValue: calendars },
        { provide: LIGHTS, useValue: lights },
        { provide: RiskBoard, useValue: risk },
        { provide: PolicyProvider, useValue: policyProvider },
        { provide: RiskScorer, useValue: scorer },
        { provide: CaseRecords, useValue: new CaseRecords() },
        { provide: SupervisionOrdersRepository, useValue: new SupervisionOrdersRepository(runtime.dataSource) },
      ],
    };
  },
};

/** Runs the service as its own process (apps/escalation). */
export const main = () => runDomainService(escalationService);
export * from './domain/risk';
