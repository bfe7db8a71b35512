import { WorkingCalendar } from '@duban/calendar';
import { newEvent, SlaClockStarted } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DEFAULT_LIGHTS, LightPolicy, lightTimers } from '../domain/lights';
import { dueAt, FIRST_STAGE_POLICIES, SlaPolicy, Tier } from '../domain/sla-policy';

/** Stores the first stage's clock (a row with its due time) and announces it. */
export function startFirstStageClock(
  tx: EntityManager,
  topic: string,
  calendar: WorkingCalendar,
  clock: { caseId: string; unitId: string; tier: Tier; startedAt: Date },
  lights: LightPolicy = DEFAULT_LIGHTS,
): Promise<string> {
  return startClock(tx, topic, calendar, FIRST_STAGE_POLICIES[clock.tier], clock, lights);
}

/** Stops a clock's light timers that have not fired (the clock was met or cancelled). */
export async function stopTimers(tx: EntityManager, clockIds: string[]): Promise<void> {
  if (clockIds.length > 0) await tx.query('DELETE FROM clock_timers WHERE clock_id = ANY($1::uuid[]) AND fired_at IS NULL', [clockIds]);
}

/** Stores a clock of one stage (a row with its due time) and announces it. */
export async function startClock(
  tx: EntityManager,
  topic: string,
  calendar: WorkingCalendar,
  policy: Omit<SlaPolicy, 'tier'>,
  clock: { caseId: string; unitId: string; tier: Tier; startedAt: Date },
  lights: LightPolicy = DEFAULT_LIGHTS,
): Promise<string> {
  const due = dueAt(policy, clock.startedAt, calendar);
  const clockId = randomUUID();
  await tx.query(
    `INSERT INTO sla_clocks (id, case_id, unit_id, stage, tier, policy, started_at, due_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [clockId, clock.caseId, clock.unitId, policy.stage, clock.tier, policy.id, clock.startedAt, due],
  );
  // The stored due times of its light changes (red at the limit), fired by the sweepers.
  const timers = lightTimers(policy, clock.startedAt, calendar, lights);
  const values: unknown[] = [];
  const rows = timers.map((t, i) => {
    values.push(randomUUID(), clockId, clock.caseId, clock.unitId, policy.stage, t.light, t.rung, t.fireAt);
    const p = i * 8;
    return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7}, $${p + 8})`;
  });
  await tx.query(`INSERT INTO clock_timers (id, clock_id, case_id, unit_id, stage, light, rung, fire_at) VALUES ${rows.join(', ')}`, values);
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
  return clockId;
}
