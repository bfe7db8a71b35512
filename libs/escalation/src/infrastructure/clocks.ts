import { WorkingCalendar } from '@duban/calendar';
import { newEvent, SlaClockStarted } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { valuesOf } from '@duban/persistence';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DEFAULT_LIGHTS, LightPolicy, lightTimers } from '../domain/lights';
import { dueAt, FIRST_STAGE_POLICIES, remaining, SlaPolicy, Tier } from '../domain/sla-policy';

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
  clock: ClockStart,
  lights: LightPolicy = DEFAULT_LIGHTS,
): Promise<string> {
  const [id] = await startClocks(tx, topic, calendar, [{ policy, clock }], lights);
  return id;
}

/** What a clock starts from: the case, the unit whose calendar counts, the tier, when, and what it is for (a cooperation request). */
export interface ClockStart {
  caseId: string;
  unitId: string;
  tier: Tier;
  startedAt: Date;
  ref?: string;
}

/**
 * Stores clocks on one calendar (rows with their due times and their light timers) and announces
 * them: three statements for all of them (an assignment starts two or three at once).
 */
export async function startClocks(
  tx: EntityManager,
  topic: string,
  calendar: WorkingCalendar,
  starts: readonly { policy: Omit<SlaPolicy, 'tier'>; clock: ClockStart }[],
  lights: LightPolicy = DEFAULT_LIGHTS,
): Promise<string[]> {
  if (starts.length === 0) return [];
  const clocks = starts.map(({ policy, clock }) => ({ id: randomUUID(), policy, clock, due: dueAt(policy, clock.startedAt, calendar) }));
  const clockRows = valuesOf(clocks.map(({ id, policy, clock, due }) => [id, clock.caseId, clock.unitId, policy.stage, clock.tier, policy.id, clock.startedAt, due, policy.basis, clock.ref ?? null]));
  await tx.query(`INSERT INTO sla_clocks (id, case_id, unit_id, stage, tier, policy, started_at, due_at, basis, ref) VALUES ${clockRows.sql}`, clockRows.params);
  // The stored due times of their light changes (red at the limit), fired by the sweepers.
  const timers = clocks.flatMap(({ id, policy, clock }) =>
    lightTimers(policy, clock.startedAt, calendar, lights).map((t) => [randomUUID(), id, clock.caseId, clock.unitId, policy.stage, t.light, t.rung, t.fireAt]),
  );
  if (timers.length > 0) {
    const timerRows = valuesOf(timers);
    await tx.query(`INSERT INTO clock_timers (id, clock_id, case_id, unit_id, stage, light, rung, fire_at) VALUES ${timerRows.sql}`, timerRows.params);
  }
  await enqueue(
    tx,
    topic,
    clocks.map(({ id, policy, clock, due }) =>
      newEvent(SlaClockStarted, {
        caseId: clock.caseId,
        unitId: clock.unitId,
        data: {
          clockId: id,
          stage: policy.stage,
          tier: clock.tier,
          startedAt: clock.startedAt.toISOString(),
          dueAt: due.toISOString(),
          policy: policy.id,
          ...(clock.ref ? { ref: clock.ref } : {}),
        },
      }),
    ),
  );
  return clocks.map((c) => c.id);
}

/** Marks running clocks of a case met (of some stages; of one unit or one request if given) and stops their timers. */
export async function meetClocks(tx: EntityManager, caseId: string, stages: readonly string[], only: { unitId?: string; ref?: string } = {}, state: 'met' | 'cancelled' = 'met'): Promise<number> {
  const [met]: [{ id: string }[], number] = await tx.query(
    `UPDATE sla_clocks SET state = $5 WHERE case_id = $1 AND state = 'running' AND stage = ANY($2)
        AND ($3::text IS NULL OR unit_id = $3) AND ($4::uuid IS NULL OR ref = $4) RETURNING id`,
    [caseId, stages, only.unitId ?? null, only.ref ?? null, state],
  );
  await stopTimers(tx, met.map((m) => m.id));
  return met.length;
}

interface ClockRow {
  id: string;
  unit_id: string;
  stage: string;
  tier: Tier;
  policy: string;
  basis: SlaPolicy['basis'];
  started_at: Date;
  due_at: Date;
  held_due: string | null;
  paused_at: Date | null;
  ref: string | null;
}

/**
 * The case waits on the reporter: its running clocks of these stages stop. Each keeps what was
 * left of its limit and of each unfired light timer, in its own basis, and has no due time meanwhile.
 */
export async function pauseClocks(tx: EntityManager, caseId: string, stages: readonly string[], at: Date, calendarOf: (unitId: string) => Promise<WorkingCalendar>): Promise<number> {
  const clocks: ClockRow[] = await tx.query(
    `SELECT id, unit_id, basis, due_at FROM sla_clocks WHERE case_id = $1 AND state = 'running' AND paused_at IS NULL AND stage = ANY($2) FOR UPDATE`,
    [caseId, stages],
  );
  for (const c of clocks) {
    const calendar = await calendarOf(c.unit_id);
    await tx.query(`UPDATE sla_clocks SET paused_at = $2, held_due = $3 WHERE id = $1`, [c.id, at, remaining(c.basis, at, c.due_at, calendar)]);
    const timers: { id: string; fire_at: Date }[] = await tx.query(`SELECT id, fire_at FROM clock_timers WHERE clock_id = $1 AND fired_at IS NULL AND fire_at IS NOT NULL FOR UPDATE`, [c.id]);
    for (const t of timers) await tx.query(`UPDATE clock_timers SET held = $2, fire_at = NULL WHERE id = $1`, [t.id, remaining(c.basis, at, t.fire_at, calendar)]);
  }
  return clocks.length;
}

/** The reporter answered: paused clocks run again from `at` with what they had left; their new due times are announced. */
export async function resumeClocks(tx: EntityManager, topic: string, caseId: string, at: Date, calendarOf: (unitId: string) => Promise<WorkingCalendar>): Promise<number> {
  const clocks: ClockRow[] = await tx.query(
    `SELECT id, unit_id, stage, tier, policy, basis, started_at, due_at, held_due, paused_at, ref FROM sla_clocks
      WHERE case_id = $1 AND state = 'running' AND paused_at IS NOT NULL FOR UPDATE`,
    [caseId],
  );
  for (const c of clocks) {
    const calendar = await calendarOf(c.unit_id);
    const due = dueAt({ minutes: Number(c.held_due ?? 0), basis: c.basis }, at, calendar);
    const waited = Math.max(0, at.getTime() - c.paused_at!.getTime());
    await tx.query(`UPDATE sla_clocks SET due_at = $2, paused_at = NULL, held_due = NULL, paused_ms = paused_ms + $3 WHERE id = $1`, [c.id, due, waited]);
    const timers: { id: string; held: string }[] = await tx.query(`SELECT id, held FROM clock_timers WHERE clock_id = $1 AND fired_at IS NULL AND held IS NOT NULL FOR UPDATE`, [c.id]);
    for (const t of timers) await tx.query(`UPDATE clock_timers SET fire_at = $2, held = NULL WHERE id = $1`, [t.id, dueAt({ minutes: Number(t.held), basis: c.basis }, at, calendar)]);
    await enqueue(tx, topic, [
      newEvent(SlaClockStarted, {
        caseId,
        unitId: c.unit_id,
        occurredAt: at,
        data: { clockId: c.id, stage: c.stage as never, tier: c.tier, startedAt: c.started_at.toISOString(), dueAt: due.toISOString(), policy: c.policy, ...(c.ref ? { ref: c.ref } : {}) },
      }),
    ]);
  }
  return clocks.length;
}
