import { CaseAssigned, CaseLeadDesignated, CaseReclassified, EventOf, topicOf } from '@duban/contracts';
import { DomainServiceDefinition, runDomainService } from '@duban/service-defaults';
import { ClocksController } from './api/clocks.controller';
import { CalendarsController } from './api/calendars.controller';
import { SupervisionController } from './api/supervision.controller';
import { LIGHTS } from './infrastructure/lights-config';
import { SupervisionOrders1763900000340 } from './infrastructure/1763900000340-supervision-orders';
import { SupervisionLevel1763900000350 } from './infrastructure/1763900000350-supervision-level';
import { Cards1763900000360 } from './infrastructure/1763900000360-cards';
import { CardsController } from './api/cards.controller';
import { CalendarProvider } from './infrastructure/calendar-provider';
import { HolidayYears1763900000330 } from './infrastructure/1763900000330-holiday-years';
import { DESIGNATE_POLICY, FIRST_STAGE_POLICIES, Tier } from './domain/sla-policy';
import { EscalationSchema1763900000300 } from './infrastructure/1763900000300-escalation-schema';
import { CaseTiers1763900000310 } from './infrastructure/1763900000310-case-tiers';
import { startClock, startFirstStageClock, stopTimers } from './infrastructure/clocks';
import { LightTimers1763900000320 } from './infrastructure/1763900000320-light-timers';
import { TimerSweeper } from './infrastructure/timer-sweeper';
import { LightPolicy } from './domain/lights';
import { Type } from '@sinclair/typebox';
import { hostname } from 'node:os';

/** The stages a tier's first clock has; designation and supervision orders have clocks of their own. */
const FIRST_STAGES: string[] = [...new Set(Object.values(FIRST_STAGE_POLICIES).map((p) => p.stage))];

export const escalationService: DomainServiceDefinition = {
  service: 'escalation',
  defaultPort: 8084,
  migrations: [EscalationSchema1763900000300, CaseTiers1763900000310, LightTimers1763900000320, HolidayYears1763900000330, SupervisionOrders1763900000340, SupervisionLevel1763900000350, Cards1763900000360],
  config: {
    /** Share of a stage's allowed time at which its light turns yellow (the handler is warned). */
    ESCALATION_YELLOW_AT: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.5 }),
    /** … orange (the unit head is warned); red is the limit itself (the supervision office). */
    ESCALATION_ORANGE_AT: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.8 }),
  },
  controllers: [ClocksController, CalendarsController, SupervisionController, CardsController],
  compose(runtime, config) {
    const lights: LightPolicy = { yellow: config.ESCALATION_YELLOW_AT as number, orange: config.ESCALATION_ORANGE_AT as number };
    if (!(lights.yellow < lights.orange)) throw new Error('ESCALATION_YELLOW_AT must be below ESCALATION_ORANGE_AT');
    const sweeper = new TimerSweeper({
      dataSource: runtime.dataSource,
      topic: runtime.topic,
      logger: runtime.logger,
      name: `${hostname()}:${process.pid}`,
      escalateStages: FIRST_STAGES,
      onFired: (ms) => runtime.metrics.timerLateness.observe(ms / 1000),
    });
    const calendars = new CalendarProvider(runtime.dataSource);
    return {
      workers: [sweeper],
      providers: [
        { provide: CalendarProvider, useValue: calendars },
        { provide: LIGHTS, useValue: lights },
      ],
      consumers: [
        {
          topics: [topicOf('dispatch'), topicOf('intake')],
          handlers: {
            // An assignment starts the first stage's clock, on the tier the case has now.
            [CaseAssigned.type]: async (event, tx) => {
              const assigned = event as EventOf<typeof CaseAssigned>;
              const calendar = await calendars.current();
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
              const running: { stage: string }[] = await tx.query(`SELECT stage FROM sla_clocks WHERE case_id = $1 AND state = 'running'`, [
                assigned.caseId,
              ]);
              // The case's first-stage limit runs from its first assignment; later ones keep it.
              if (!running.some((r) => FIRST_STAGES.includes(r.stage))) await startFirstStageClock(tx, runtime.topic, calendar, clock, lights);
              // The coordinator queue has its own limit: designate the lead unit within 1 working day.
              if (assigned.data.via === 'coordinator' && !running.some((r) => r.stage === DESIGNATE_POLICY.stage)) {
                await startClock(tx, runtime.topic, calendar, DESIGNATE_POLICY, clock, lights);
              }
            },
            // The designation meets the coordinator's limit.
            [CaseLeadDesignated.type]: async (event, tx) => {
              const [met]: [{ id: string }[], number] = await tx.query(
                `UPDATE sla_clocks SET state = 'met' WHERE case_id = $1 AND stage = $2 AND state = 'running' RETURNING id`,
                [event.caseId, DESIGNATE_POLICY.stage],
              );
              await stopTimers(tx, met.map((m) => m.id));
            },
            // A new tier re-times the running clock: same start, the new tier's limit.
            [CaseReclassified.type]: async (event, tx) => {
              const reclassified = event as EventOf<typeof CaseReclassified>;
              const calendar = await calendars.current();
              await tx.query(
                `INSERT INTO case_tiers (case_id, tier, changed_at) VALUES ($1, $2, $3)
                 ON CONFLICT (case_id) DO UPDATE SET tier = EXCLUDED.tier, changed_at = EXCLUDED.changed_at
                 WHERE case_tiers.changed_at <= EXCLUDED.changed_at`,
                [reclassified.caseId, reclassified.data.toTier, reclassified.occurredAt],
              );
              // For UPDATE … RETURNING the driver answers [rows, affected count].
              const [cancelled]: [{ id: string; unit_id: string; started_at: Date; tier: Tier }[], number] = await tx.query(
                `UPDATE sla_clocks SET state = 'cancelled' WHERE case_id = $1 AND state = 'running' AND stage = ANY($2)
                 RETURNING id, unit_id, started_at, tier`,
                [reclassified.caseId, FIRST_STAGES],
              );
              await stopTimers(tx, cancelled.map((c) => c.id));
              const [clock] = cancelled;
              if (!clock) return;
              await startFirstStageClock(tx, runtime.topic, calendar, {
                caseId: reclassified.caseId,
                unitId: clock.unit_id,
                tier: reclassified.data.toTier,
                startedAt: clock.started_at,
              }, lights);
            },
          },
        },
      ],
    };
  },
};

/** Runs the service as its own process (apps/escalation). */
export const main = () => runDomainService(escalationService);
