import { defaultCalendar } from '@duban/calendar';
import { CaseAssigned, EventOf, newEvent, SlaClockStarted, topicOf } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { DomainServiceDefinition, runDomainService } from '@duban/service-defaults';
import { randomUUID } from 'node:crypto';
import { ClocksController } from './api/clocks.controller';
import { dueAt, FIRST_STAGE_POLICIES } from './domain/sla-policy';
import { EscalationSchema1763900000300 } from './infrastructure/1763900000300-escalation-schema';

const calendar = defaultCalendar();

export const escalationService: DomainServiceDefinition = {
  service: 'escalation',
  defaultPort: 8084,
  migrations: [EscalationSchema1763900000300],
  controllers: [ClocksController],
  compose(runtime) {
    return {
      providers: [],
      consumers: [
        {
          topics: [topicOf('dispatch')],
          handlers: {
            // An assignment starts the first stage's clock; the clock is a stored row with its due time.
            [CaseAssigned.type]: async (event, tx) => {
              const assigned = event as EventOf<typeof CaseAssigned>;
              const policy = FIRST_STAGE_POLICIES[assigned.data.tier];
              const running = await tx.query(
                `SELECT 1 FROM sla_clocks WHERE case_id = $1 AND stage = $2 AND state = 'running'`,
                [assigned.caseId, policy.stage],
              );
              if (running.length > 0) return;
              const startedAt = new Date(assigned.occurredAt);
              const due = dueAt(policy, startedAt, calendar);
              const clockId = randomUUID();
              await tx.query(
                `INSERT INTO sla_clocks (id, case_id, unit_id, stage, tier, policy, started_at, due_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
                [clockId, assigned.caseId, assigned.data.unitId, policy.stage, policy.tier, policy.id, startedAt, due],
              );
              await enqueue(tx, runtime.topic, [
                newEvent(SlaClockStarted, {
                  caseId: assigned.caseId,
                  unitId: assigned.data.unitId,
                  data: {
                    clockId,
                    stage: policy.stage,
                    tier: policy.tier,
                    startedAt: startedAt.toISOString(),
                    dueAt: due.toISOString(),
                    policy: policy.id,
                  },
                }),
              ]);
            },
          },
        },
      ],
    };
  },
};

/** Runs the service as its own process (apps/escalation). */
export const main = () => runDomainService(escalationService);
