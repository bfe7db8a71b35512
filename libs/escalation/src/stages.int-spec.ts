import { defaultCalendar } from '@duban/calendar';
import { AnyEnvelope, AssistRequested, CaseAccepted, CaseAssigned, CasePaused, CaseResumed, newEvent, ResultRejected } from '@duban/contracts';
import { applyOne, BatchEventHandler, EventHandler, MessagingTables1763900000000 } from '@duban/messaging';
import { createDataSource, migrate } from '@duban/persistence';
import { eventHandlersOf } from '@duban/service-defaults';
import { freshDatabase } from '@duban/testing';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { escalationService } from './index';
import { TimerSweeper } from './infrastructure/timer-sweeper';

jest.setTimeout(120_000);

const TOPIC = 'duban.escalation.events';
const logger = pino({ level: 'silent' });
const calendar = defaultCalendar();
/** Local time in China (+08:00) as an instant. */
const cst = (local: string) => new Date(`${local}+08:00`);

interface ClockRow {
  id: string;
  stage: string;
  state: string;
  unit_id: string;
  policy: string;
  due_at: Date;
  paused_at: Date | null;
  held_due: string | null;
  paused_ms: string;
}

/**
 * The escalation service's own event handlers on real PostgreSQL, fed events whose times the test
 * sets: the clocks of the later stages, pauses while waiting on the reporter, per-unit calendars and
 * the yellow card of a rejected result. Nothing sleeps; the sweeper runs on the test's clock.
 */
describe('stage clocks on real PostgreSQL, on a clock the test controls', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let handlers: Record<string, EventHandler | BatchEventHandler>;
  let closeHandlers: (() => Promise<void>) | undefined;
  const apply = (event: AnyEnvelope) => db.transaction((tx) => applyOne(handlers[event.type], event, tx));
  const clocksOf = (caseId: string): Promise<ClockRow[]> => db.query(`SELECT * FROM sla_clocks WHERE case_id = $1 ORDER BY started_at, stage`, [caseId]);
  const assign = (caseId: string, unitId: string, tier: 'general' | 'complex', at: Date) =>
    apply(newEvent(CaseAssigned, { caseId, unitId, occurredAt: at, data: { assignmentId: randomUUID(), unitId, unitName: unitId, assignee: `handler-${unitId}-a`, category: 'water.leak', tier, rule: { id: 'water.leak', version: 1 }, reason: 'test' } }));

  beforeAll(async () => {
    let url: string;
    ({ url, drop } = await freshDatabase('stages'));
    db = createDataSource({ url, applicationName: 'stages', migrations: [MessagingTables1763900000000, ...(escalationService.migrations as unknown as never[])], poolSize: 4 });
    await db.initialize();
    await migrate(db);
    // A 24/7 hotline unit works on its own calendar: around the clock, every day, no holidays.
    await db.query(`INSERT INTO unit_calendars (unit_id, periods, weekend_days, holidays, changed_by, changed_at) VALUES ('hotline', '[{"start":0,"end":1440}]', '{}', false, 'admin1', now())`);
    const runtime = { dataSource: db, topic: TOPIC, logger, metrics: { timerLateness: { observe: () => undefined } } };
    ({ handlers, close: closeHandlers } = await eventHandlersOf(escalationService, runtime as never, { ESCALATION_YELLOW_AT: 0.5, ESCALATION_ORANGE_AT: 0.8 }));
  });

  afterAll(async () => {
    await closeHandlers?.();
    await db?.destroy();
    await drop?.();
  });

  it('starts the first-response and result clocks, meets the first with the sign-for, and stops the result clock while the case waits on the reporter', async () => {
    const caseId = randomUUID();
    const assigned = cst('2025-03-03T09:00:00'); // Monday
    await assign(caseId, 'water', 'general', assigned);
    let clocks = await clocksOf(caseId);
    expect(clocks.map((c) => [c.stage, c.state])).toEqual([
      ['accept', 'running'],
      ['complete', 'running'],
    ]);
    const complete = clocks.find((c) => c.stage === 'complete')!;
    expect(complete.due_at.toISOString()).toBe(cst('2025-03-05T17:30:00').toISOString()); // 3 working days: Wednesday evening

    await apply(newEvent(CaseAccepted, { caseId, unitId: 'water', occurredAt: cst('2025-03-03T10:00:00'), data: { workspaceId: randomUUID(), unitId: 'water', by: 'handler-water-a' } }));
    expect((await clocksOf(caseId)).find((c) => c.stage === 'accept')!.state).toBe('met');

    // Waiting on the reporter from Monday 10:00 to Tuesday 10:00: one working day stopped.
    await apply(newEvent(CasePaused, { caseId, unitId: 'water', occurredAt: cst('2025-03-03T10:00:00'), data: { workspaceId: randomUUID(), unitId: 'water', by: 'handler-water-a', reason: 'Waiting for the tenant to open the flat' } }));
    clocks = await clocksOf(caseId);
    const paused = clocks.find((c) => c.stage === 'complete')!;
    expect(paused.paused_at!.toISOString()).toBe(cst('2025-03-03T10:00:00').toISOString());
    expect(Number(paused.held_due)).toBe(3 * 420 - 60);
    const held: { fire_at: Date | null; held: string }[] = await db.query(`SELECT fire_at, held FROM clock_timers WHERE clock_id = $1`, [paused.id]);
    expect(held.every((t) => t.fire_at === null && Number(t.held) > 0)).toBe(true);

    // Nothing of the paused clock fires, however late it gets.
    const sweeper = new TimerSweeper({ dataSource: db, topic: TOPIC, logger, name: 'test', now: () => cst('2025-03-10T09:00:00') });
    const firedBefore: { n: number }[] = await db.query(`SELECT count(*)::int AS n FROM clock_timers WHERE clock_id = $1 AND fired_at IS NOT NULL`, [paused.id]);
    await db.query(`UPDATE clock_timers SET fired_at = now() WHERE clock_id <> $1 AND fired_at IS NULL`, [paused.id]); // only this clock's timers matter here
    expect(await sweeper.sweep()).toBe(0);
    expect(firedBefore[0].n).toBe(0);

    await apply(newEvent(CaseResumed, { caseId, unitId: 'water', occurredAt: cst('2025-03-04T10:00:00'), data: { workspaceId: randomUUID(), unitId: 'water', by: 'handler-water-a', pausedAt: cst('2025-03-03T10:00:00').toISOString() } }));
    const resumed = (await clocksOf(caseId)).find((c) => c.stage === 'complete')!;
    // The limit moved by exactly the working day the case waited.
    expect(resumed.due_at.toISOString()).toBe(cst('2025-03-06T17:30:00').toISOString());
    expect(resumed.paused_at).toBeNull();
    expect(Number(resumed.paused_ms)).toBe(24 * 3_600_000);
    const timers: { light: string; fire_at: Date }[] = await db.query(`SELECT light, fire_at FROM clock_timers WHERE clock_id = $1 ORDER BY fire_at`, [resumed.id]);
    expect(timers.map((t) => t.light)).toEqual(['yellow', 'orange', 'red']);
    expect(timers[2].fire_at.toISOString()).toBe(resumed.due_at.toISOString());
    // The yellow light still comes at half the allowed working time, counted without the pause.
    expect(calendar.workingMinutesBetween(cst('2025-03-03T09:00:00'), timers[0].fire_at) - 420).toBe(630);

    // On the test's clock: nothing is red on Wednesday evening any more; on Thursday evening it is.
    const at = (local: string) => new TimerSweeper({ dataSource: db, topic: TOPIC, logger, name: 'test', now: () => cst(local) });
    await at('2025-03-05T18:00:00').sweep();
    expect((await clocksOf(caseId)).find((c) => c.stage === 'complete')!.state).toBe('running');
    await at('2025-03-06T17:31:00').sweep();
    expect((await clocksOf(caseId)).find((c) => c.stage === 'complete')!.state).toBe('breached');
  });

  it("times a cooperating unit's reply on that unit's own calendar", async () => {
    const caseId = randomUUID();
    const saturday = cst('2025-03-08T10:00:00');
    await assign(caseId, 'water', 'complex', cst('2025-03-07T09:00:00'));
    const ask = (unitId: string) =>
      apply(newEvent(AssistRequested, { caseId, unitId, occurredAt: saturday, data: { assistId: randomUUID(), unitId, leadUnitId: 'water', by: 'handler-water-a', request: 'Please help', replyWithinWorkingMinutes: 240 } }));
    await ask('hotline');
    await ask('housing');
    const assists = (await clocksOf(caseId)).filter((c) => c.stage === 'assist');
    // The hotline works on Saturday: 4 hours later. Housing keeps office hours: Monday 13:00… 14:30.
    expect(assists.find((c) => c.unit_id === 'hotline')!.due_at.toISOString()).toBe(cst('2025-03-08T14:00:00').toISOString());
    expect(assists.find((c) => c.unit_id === 'housing')!.due_at.toISOString()).toBe(cst('2025-03-10T14:30:00').toISOString());
    expect((await clocksOf(caseId)).find((c) => c.stage === 'solution')!.policy).toBe('complex.solution.10wd');
  });

  it('gives a yellow card for a rejected result and times the rework from the rejection', async () => {
    const caseId = randomUUID();
    await assign(caseId, 'parks', 'general', cst('2025-03-03T09:00:00'));
    const rejectedAt = cst('2025-03-04T15:00:00');
    await apply(newEvent(ResultRejected, { caseId, unitId: 'parks', occurredAt: rejectedAt, data: { resultId: randomUUID(), unitId: 'parks', by: 'operator1', reason: 'The photo shows another park' } }));
    const [card] = await db.query(`SELECT kind, reason, clock_id FROM unit_cards WHERE case_id = $1`, [caseId]);
    expect(card).toEqual({ kind: 'yellow', reason: 'result rejected: The photo shows another park', clock_id: null });
    const result = (await clocksOf(caseId)).filter((c) => c.stage === 'complete');
    expect(result.map((c) => [c.state, c.policy])).toEqual([
      ['cancelled', 'general.complete.3wd'],
      ['running', 'general.complete.3wd.rework'],
    ]);
    expect(result[1].due_at.toISOString()).toBe(calendar.addWorkingMinutes(rejectedAt, 3 * 420).toISOString());
    const outbox: { n: number }[] = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE event_type = 'unit.card-issued' AND message_key = $1`, [caseId]);
    expect(outbox[0].n).toBe(1);
  });
});
