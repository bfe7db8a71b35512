import { WorkingCalendar } from '@duban/calendar';
import { newEvent, SlaClockStarted } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { dueAt, FIRST_STAGE_POLICIES, Tier } from '../domain/sla-policy';

/** Stores the first stage's clock (a row with its due time) and announces it. */
export async function startFirstStageClock(
  tx: EntityManager,
  topic: string,
  calendar: WorkingCalendar,
  clock: { caseId: string; unitId: string; tier: Tier; startedAt: Date },
): Promise<void> {
  const policy = FIRST_STAGE_POLICIES[clock.tier];
  const due = dueAt(policy, clock.startedAt, calendar);
  const clockId = randomUUID();
  await tx.query(
    `INSERT INTO sla_clocks (id, case_id, unit_id, stage, tier, policy, started_at, due_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [clockId, clock.caseId, clock.unitId, policy.stage, policy.tier, policy.id, clock.startedAt, due],
  );
  await enqueue(tx, topic, [
    newEvent(SlaClockStarted, {
      caseId: clock.caseId,
      unitId: clock.unitId,
      data: {
        clockId,
        stage: policy.stage,
        tier: policy.tier,
        startedAt: clock.startedAt.toISOString(),
        dueAt: due.toISOString(),
        policy: policy.id,
      },
    }),
  ]);
}
