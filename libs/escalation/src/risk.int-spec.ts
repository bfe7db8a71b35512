import { AnyEnvelope, CaseAssigned, CaseReceived, newEvent, ResultRejected, ResultSubmitted } from '@duban/contracts';
import { applyOne, BatchEventHandler, EventHandler, MessagingTables1763900000000 } from '@duban/messaging';
import { createDataSource, migrate } from '@duban/persistence';
import { freshDatabase } from '@duban/testing';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { escalationService } from './index';
import type { RiskModel } from './domain/risk';
import shipped from './domain/risk-model.json';
import { RiskBoard } from './infrastructure/risk-board';

jest.setTimeout(120_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const logger = pino({ level: 'silent' });

/**
 * Early warning in the running service, on real PostgreSQL: escalation's own handlers build the
 * ledger from the events (received, assigned, result submitted / rejected) and the clocks they
 * start; the shipped model scores the open cases on a clock the test sets.
 */
describe('early-warning scores from the escalation ledger on real PostgreSQL', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let handlers: Record<string, EventHandler | BatchEventHandler>;
  let now = new Date('2026-11-30T02:00:00Z');
  const apply = (event: AnyEnvelope) => db.transaction((tx) => applyOne(handlers[event.type], event, tx));
  const board = () => new RiskBoard(db, shipped as RiskModel, { utcOffsetMinutes: 480, ledgerTtlMs: 0, historyDays: 180, now: () => now });

  /** A case received and assigned to `unitId` at `at`; its result comes `resultAfter` ms later (null: still open). */
  async function handled(unitId: string, at: Date, resultAfter: number | null): Promise<string> {
    const caseId = randomUUID();
    await apply(
      newEvent(CaseReceived, {
        caseId,
        unitId: null,
        occurredAt: at,
        data: { title: 'Streetlight out', description: 'The lamp is dark', category: 'public-works.streetlight', tier: 'general', channel: 'hotline', reporter: { subject: 's' }, receivedAt: at.toISOString() },
      }),
    );
    await apply(
      newEvent(CaseAssigned, {
        caseId,
        unitId,
        occurredAt: at,
        data: { assignmentId: randomUUID(), unitId, unitName: unitId, assignee: null, category: 'public-works.streetlight', tier: 'general', rule: { id: 'r', version: 1 }, reason: 'test' },
      }),
    );
    if (resultAfter !== null) {
      await apply(
        newEvent(ResultSubmitted, {
          caseId,
          unitId,
          occurredAt: new Date(at.getTime() + resultAfter),
          data: { resultId: randomUUID(), unitId, by: `handler-${unitId}-a`, summary: 'Lamp replaced', evidence: [] },
        }),
      );
    }
    return caseId;
  }

  beforeAll(async () => {
    let url: string;
    ({ url, drop } = await freshDatabase('risk'));
    db = createDataSource({ url, applicationName: 'risk', migrations: [MessagingTables1763900000000, ...(escalationService.migrations as unknown as never[])], poolSize: 4 });
    await db.initialize();
    await migrate(db);
    const runtime = { dataSource: db, topic: 'duban.escalation.events', logger, metrics: { timerLateness: { observe: () => undefined } } };
    handlers = escalationService.compose(runtime as never, { ESCALATION_YELLOW_AT: 0.5, ESCALATION_ORANGE_AT: 0.8, RISK_UTC_OFFSET_MINUTES: 480, RISK_LEDGER_TTL_MS: 0, RISK_HISTORY_DAYS: 180 })
      .consumers[0].handlers;
  });

  afterAll(async () => {
    await db?.destroy();
    await drop?.();
  });

  it('scores a unit that keeps missing its limits above one that meets them, and drops closed cases', async () => {
    // October and November: 40 cases in each unit; "slow" answers after 12 days (3 working days allowed), "quick" within 2 hours.
    const start = new Date('2026-10-01T01:00:00Z').getTime();
    for (let i = 0; i < 40; i++) {
      const at = new Date(start + i * 1.2 * DAY);
      await handled('slow', at, 12 * DAY);
      await handled('quick', at, 2 * HOUR);
    }
    // Now: a new case in each, plus ones the slow unit still has open.
    now = new Date('2026-11-30T02:00:00Z');
    for (let i = 1; i <= 5; i++) await handled('slow', new Date(now.getTime() - i * DAY), null);
    const slow = await handled('slow', now, null);
    const quick = await handled('quick', now, null);

    const cases = await board().board();
    const slowRow = cases.find((c) => c.caseId === slow)!;
    const quickRow = cases.find((c) => c.caseId === quick)!;
    expect(slowRow).toMatchObject({ unitId: 'slow', category: 'public-works.streetlight', channel: 'hotline', stage: 0, elapsedShare: 0 });
    expect(slowRow.score).toBeGreaterThan(quickRow.score);
    expect(slowRow.flagged).toBe(true);
    expect(quickRow.flagged).toBe(false);
    expect(slowRow.reasons).toHaveLength(3);
    // Highest risk first; only open cases with a limit (7 open: 6 slow, 1 quick).
    expect(cases.map((c) => c.score)).toEqual([...cases.map((c) => c.score)].sort((a, b) => b - a));
    expect(cases).toHaveLength(7);
    expect((await board().board({ unitId: 'quick' })).map((c) => c.caseId)).toEqual([quick]);
    expect((await board().board({ flagged: true })).every((c) => c.flagged && c.unitId === 'slow')).toBe(true);

    // A result closes the case for the board; a rejected result reopens it.
    await apply(newEvent(ResultSubmitted, { caseId: quick, unitId: 'quick', occurredAt: now, data: { resultId: randomUUID(), unitId: 'quick', by: 'handler-quick-a', summary: 'Fixed', evidence: [] } }));
    expect(await board().forCase(quick)).toBeUndefined();
    await apply(newEvent(ResultRejected, { caseId: quick, unitId: 'quick', occurredAt: now, data: { resultId: randomUUID(), unitId: 'quick', by: 'operator1', reason: 'Still dark' } }));
    expect(await board().forCase(quick)).toMatchObject({ caseId: quick, unitId: 'quick' });
    expect(await board().forCase(randomUUID())).toBeUndefined();

    // With a ledger kept an hour, the list of open cases is still current: a new case shows at once, a resolved one goes.
    const cached = new RiskBoard(db, shipped as RiskModel, { utcOffsetMinutes: 480, ledgerTtlMs: 3_600_000, historyDays: 180, now: () => now });
    await cached.board();
    const fresh = await handled('quick', now, null);
    expect((await cached.board({ unitId: 'quick' })).map((c) => c.caseId)).toContain(fresh);
    await apply(newEvent(ResultSubmitted, { caseId: fresh, unitId: 'quick', occurredAt: now, data: { resultId: randomUUID(), unitId: 'quick', by: 'handler-quick-a', summary: 'Fixed', evidence: [] } }));
    expect((await cached.board({ unitId: 'quick' })).map((c) => c.caseId)).not.toContain(fresh);

    // Later in its life the case is scored by a later stage of the model.
    now = new Date(now.getTime() + 2 * DAY);
    expect((await board().forCase(slow))!.stage).toBeGreaterThan(0);
  });
});
