import { WorkingCalendar } from '@duban/calendar';
import { newEvent, SlaClockStarted } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { dueAt, FIRST_STAGE_POLICIES, SlaPolicy, Tier } from '../domain/sla-policy';

/** Stores the first stage's clock (a row with its due time) and announces it. */
export function startFirstStageClock(
  tx: EntityManager,
  topic: string,
  calendar: WorkingCalendar,
  clock: { caseId: string; unitId: string; tier: Tier; startedAt: Date },
): Promise<void> {
  return startClock(tx, topic, calendar, FIRST_STAGE_POLICIES[clock.tier], clock);
}

/** Stores a clock of one stage (a row with its due time) and announces it. */
export async function startClock(
  tx: EntityManager,
  topic: string,
  calendar: WorkingCalendar,
  policy: Omit<SlaPolicy, 'tier'>,
  clock: { caseId: string; unitId: string; tier: Tier; startedAt: Date },
): Promise<void> {
  const due = dueAt(policy, clock.startedAt, calendar);
  const clockId = randomUUID();
  await tx.query(
    `INSERT INTO sla_clocks (id, case_id, unit_id, stage, tier, policy, started_at, due_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [clockId, clock.caseId, clock.unitId, policy.stage, clock.tier, policy.id, clock.startedAt, due],
  );
  await enqueue(tx, topic, [
    newEvent(SlaClockStarted, {
      caseId: clock.caseId,
      unitId: clock.unitId,
      data: {
        clockId,
        stage: policy.stage,
        tier: clock.tier,
        startedAt: clock.startedAt.toISOString(),
        dueAt: due.toISOString(),
        policy: policy.id,
      },
    }),
  ]);
}
