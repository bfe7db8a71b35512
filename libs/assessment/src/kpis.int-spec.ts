import { AnyEnvelope, AssistReplied, AssistRequested, CaseAccepted, CaseAssigned, newEvent, ResultSubmitted, SlaClockStarted, SlaLightChanged } from '@duban/contracts';
import { applyOne, BatchEventHandler, EventHandler, MessagingTables1763900000000 } from '@duban/messaging';
import { createDataSource, migrate } from '@duban/persistence';
import { eventHandlersOf } from '@duban/service-defaults';
import { freshDatabase } from '@duban/testing';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { efficiencyIndex, kpis } from './domain/kpi';
import { assessmentService, parseWeights } from './index';
import { UnitDays } from './infrastructure/unit-days';

jest.setTimeout(120_000);

const HOUR = 3_600_000;

/**
 * The KPI roll-up on real PostgreSQL, fed the lifecycle events with times the test sets — including
 * a response that reaches assessment before escalation's clock does — and summed over a period.
 */
describe('unit KPIs kept from events on real PostgreSQL', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let handlers: Record<string, EventHandler | BatchEventHandler>;
  let closeHandlers: (() => Promise<void>) | undefined;
  const apply = (event: AnyEnvelope) => db.transaction((tx) => applyOne(handlers[event.type], event, tx));
  const t0 = new Date('2026-11-10T01:00:00Z').getTime();
  const at = (hours: number) => new Date(t0 + hours * HOUR);

  const assign = (caseId: string, unitId: string, hours: number) =>
    apply(newEvent(CaseAssigned, { caseId, unitId, occurredAt: at(hours), data: { assignmentId: randomUUID(), unitId, unitName: unitId, assignee: null, category: 'water.leak', tier: 'general', rule: { id: 'r', version: 1 }, reason: 'test' } }));
  const clock = (caseId: string, unitId: string, stage: 'accept' | 'complete', startHours: number, dueHours: number) =>
    apply(newEvent(SlaClockStarted, { caseId, unitId, occurredAt: at(startHours), data: { clockId: randomUUID(), stage, tier: 'general', startedAt: at(startHours).toISOString(), dueAt: at(dueHours).toISOString(), policy: 'p' } }));
  const accept = (caseId: string, unitId: string, hours: number) => apply(newEvent(CaseAccepted, { caseId, unitId, occurredAt: at(hours), data: { workspaceId: randomUUID(), unitId, by: 'h' } }));
  const result = (caseId: string, unitId: string, hours: number) =>
    apply(newEvent(ResultSubmitted, { caseId, unitId, occurredAt: at(hours), data: { resultId: randomUUID(), unitId, by: 'h', summary: 'done', evidence: [] } }));

  beforeAll(async () => {
    let url: string;
    ({ url, drop } = await freshDatabase('kpis'));
    db = createDataSource({ url, applicationName: 'kpis', migrations: [MessagingTables1763900000000, ...(assessmentService.migrations as unknown as never[])], poolSize: 4 });
    await db.initialize();
    await migrate(db);
    const config = { RATING_WINDOW_HOURS: 72, RATING_DEFAULT_LEVEL: 'satisfied', RATING_LINK_SECRET: 'x'.repeat(32), KPI_TIME_ZONE: 'Asia/Shanghai', RATING_SWEEP_MS: 1000, KPI_WEIGHTS: '', REVISIT_DAYS: '30,90' };
    ({ handlers, close: closeHandlers } = await eventHandlersOf(assessmentService, { dataSource: db, topic: 'duban.assessment.events', logger: pino({ level: 'silent' }) } as never, config));
  });

  afterAll(async () => {
    await closeHandlers?.();
    await db?.destroy();
    await drop?.();
  });

  it('judges responses and results against the limits in either arrival order, counts each once per unit, and times cooperation replies', async () => {
    // Case A: limits first, then a response in time and a late result.
    const a = randomUUID();
    await assign(a, 'water', 0);
    await clock(a, 'water', 'accept', 0, 4);
    await clock(a, 'water', 'complete', 0, 24);
    await accept(a, 'water', 2);
    await result(a, 'water', 30);
    await result(a, 'water', 31); // a second result (after a rejection) is not a first result
    // Case B: the response reaches assessment before escalation's clock (a late one), then the clock.
    const b = randomUUID();
    await assign(b, 'water', 1);
    await accept(b, 'water', 9);
    await clock(b, 'water', 'accept', 1, 5);
    // Case C: assigned twice to water (a redelivered assignment counts once), then moved to parks.
    const c = randomUUID();
    await assign(c, 'water', 2);
    await assign(c, 'water', 2.5);
    await assign(c, 'parks', 3);
    // Case D: the result limit runs out (escalation's red light) before any result; the late result adds nothing more.
    const d = randomUUID();
    await assign(d, 'water', 4);
    await clock(d, 'water', 'complete', 4, 10);
    await apply(newEvent(SlaLightChanged, { caseId: d, unitId: 'water', occurredAt: at(10), data: { clockId: randomUUID(), stage: 'complete', light: 'red', rung: 'supervision-office', dueAt: at(10).toISOString(), scheduledAt: at(10).toISOString() } }));
    await result(d, 'water', 12);
    // Cooperation: parks answers a request after 90 minutes.
    const assistId = randomUUID();
    await apply(newEvent(AssistRequested, { caseId: a, unitId: 'parks', occurredAt: at(5), data: { assistId, unitId: 'parks', leadUnitId: 'water', by: 'h', request: 'help', replyWithinWorkingMinutes: 240 } }));
    await apply(newEvent(AssistReplied, { caseId: a, unitId: 'parks', occurredAt: at(6.5), data: { assistId, unitId: 'parks', by: 'p', reply: 'done', attachments: [] } }));

    const sums = await new UnitDays('Asia/Shanghai').sum(db, '2026-11-01', '2026-11-30');
    const water = sums.get('water')!;
    expect(water).toMatchObject({ assigned: 4, responses: 2, responsesOnTime: 1, completions: 2, completionsOnTime: 0 });
    expect(sums.get('parks')).toMatchObject({ assigned: 1, assistsReplied: 1, assistReplyMinutes: 90 });
    // Time lost: A's result 6 h late, B's response 4 h late, D's result 2 h late (added when it finally came).
    expect(water.lateMinutes).toBe(720);
    expect(await new UnitDays('Asia/Shanghai').categories(db, '2026-11-01', '2026-11-30')).toEqual([
      { category: 'water.leak', kind: 'first', due: 2, late: 1, lateMinutes: 240 },
      { category: 'water.leak', kind: 'result', due: 2, late: 2, lateMinutes: 480 },
    ]);
    expect(kpis(water)).toMatchObject({ responseTimeliness: 50, onTimeCompletion: 0, closedLoopRate: 0 });
    expect(kpis(sums.get('parks')!).assistReplyHours).toBe(1.5);
    expect(efficiencyIndex(kpis(water), parseWeights('responseTimeliness=1,onTimeCompletion=1,closedLoopRate=0,firstTimeResolution=0,satisfaction=0,reboundRate=0'))).toBe(25);
    expect((await db.query(`SELECT count(*)::int AS n FROM pending_outcomes`))[0].n).toBe(0);
    // The same counters per person: h signed for A and B and submitted the results.
    const people = await new UnitDays('Asia/Shanghai').sumPeople(db, '2026-11-01', '2026-11-30', { unitId: 'water' });
    expect(people.get('h')).toMatchObject({ unitId: 'water', counters: expect.objectContaining({ responses: 2, responsesOnTime: 1, completions: 1, completionsOnTime: 0, lateMinutes: 720 }) });
    expect((await new UnitDays('Asia/Shanghai').sumPeople(db, '2026-11-01', '2026-11-30', { username: 'p' })).get('p')?.counters.assistsReplied).toBe(1);
    expect(() => parseWeights('speed=2')).toThrow(/KPI_WEIGHTS/);
  });
});
