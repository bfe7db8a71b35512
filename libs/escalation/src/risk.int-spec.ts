import { AnyEnvelope, CaseAssigned, CaseReceived, newEvent, ResultRejected, ResultSubmitted } from '@duban/contracts';
import { applyOne, BatchEventHandler, EventHandler, MessagingTables1763900000000 } from '@duban/messaging';
import { createDataSource, migrate } from '@duban/persistence';
import { eventHandlersOf } from '@duban/service-defaults';
import { freshDatabase } from '@duban/testing';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { escalationService } from './index';
import type { RiskModel } from './domain/risk';
import shipped from './domain/risk-model.json';
import { parseRiskCursor, RiskBoard } from './infrastructure/risk-board';

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
  let closeHandlers: (() => Promise<void>) | undefined;
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
    ({ handlers, close: closeHandlers } = await eventHandlersOf(escalationService, runtime as never, { ESCALATION_YELLOW_AT: 0.5, ESCALATION_ORANGE_AT: 0.8, RISK_UTC_OFFSET_MINUTES: 480, RISK_LEDGER_TTL_MS: 0, RISK_HISTORY_DAYS: 180, RISK_SCORE_INTERVAL_MS: 60_000, RISK_RESCORE_DELAY_MS: 1000 }));
  });

  afterAll(async () => {
    await closeHandlers?.();
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

    // The scores are kept with the cases: nothing is on the board until a pass scores them.
    expect((await board().board()).cases).toEqual([]);
    expect(await board().rescore('all', 4)).toBe(7);
    const { cases, next } = await board().board();
    expect(next).toBeNull();
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
    expect(cases.every((c) => c.scoredAt.getTime() === now.getTime())).toBe(true);
    expect((await board().board({ unitId: 'quick' })).cases.map((c) => c.caseId)).toEqual([quick]);
    const flagged = (await board().board({ flagged: true })).cases;
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.every((c) => c.flagged && c.unitId === 'slow')).toBe(true);
    // Pages of 3 by cursor walk the same board in the same order, each case once.
    const walked: string[] = [];
    let page = await board().board({ limit: 3 });
    for (;;) {
      walked.push(...page.cases.map((c) => c.caseId));
      if (!page.next) break;
      page = await board().board({ limit: 3, after: parseRiskCursor(page.next) });
    }
    expect(walked).toEqual(cases.map((c) => c.caseId));
    expect((await board().board({ hidden: new Set([slow]) })).cases.map((c) => c.caseId)).not.toContain(slow);
    // Nothing changed since: the changed-case pass scores none.
    expect(await board().rescore('changed')).toBe(0);
    // A full pass that finds the same scores (nothing changed: same ledger, same moment) scores every
    // case again but writes no row.
    const versions = async () => (await db.query(`SELECT case_id, xmin::text AS v FROM case_risk ORDER BY case_id`)) as { case_id: string; v: string }[];
    const before = await versions();
    expect(await board().rescore('all')).toBe(7);
    expect(await versions()).toEqual(before);

    // A result closes the case for the board; a rejected result reopens it.
    await apply(newEvent(ResultSubmitted, { caseId: quick, unitId: 'quick', occurredAt: now, data: { resultId: randomUUID(), unitId: 'quick', by: 'handler-quick-a', summary: 'Fixed', evidence: [] } }));
    expect(await board().forCase(quick)).toBeUndefined();
    await apply(newEvent(ResultRejected, { caseId: quick, unitId: 'quick', occurredAt: now, data: { resultId: randomUUID(), unitId: 'quick', by: 'operator1', reason: 'Still dark' } }));
    expect(await board().forCase(quick)).toMatchObject({ caseId: quick, unitId: 'quick' });
    expect(await board().forCase(randomUUID())).toBeUndefined();

    // With a ledger kept an hour, a new case is on the board after the changed-case pass alone, and a resolved one goes at once.
    const cached = new RiskBoard(db, shipped as RiskModel, { utcOffsetMinutes: 480, ledgerTtlMs: 3_600_000, historyDays: 180, now: () => now });
    await cached.rescore('all');
    const fresh = await handled('quick', now, null);
    expect(await cached.rescore('changed')).toBe(1);
    expect((await cached.board({ unitId: 'quick' })).cases.map((c) => c.caseId)).toContain(fresh);
    await apply(newEvent(ResultSubmitted, { caseId: fresh, unitId: 'quick', occurredAt: now, data: { resultId: randomUUID(), unitId: 'quick', by: 'handler-quick-a', summary: 'Fixed', evidence: [] } }));
    expect((await cached.board({ unitId: 'quick' })).cases.map((c) => c.caseId)).not.toContain(fresh);

    // A case given to another unit moves to that unit's board at once, and the changed-case pass scores it again.
    const moved = await handled('quick', now, null);
    await cached.rescore('changed');
    await apply(newEvent(CaseAssigned, { caseId: moved, unitId: 'slow', occurredAt: now, data: { assignmentId: randomUUID(), unitId: 'slow', unitName: 'slow', assignee: null, category: 'public-works.streetlight', tier: 'general', rule: { id: 'r', version: 1 }, reason: 'reassigned' } }));
    expect((await cached.board({ unitId: 'quick' })).cases.map((c) => c.caseId)).not.toContain(moved);
    expect((await cached.board({ unitId: 'slow' })).cases.map((c) => c.caseId)).toContain(moved);
    expect(await cached.rescore('changed')).toBe(1);
    expect((await cached.board({ unitId: 'slow' })).cases.find((c) => c.caseId === moved)).toMatchObject({ unitId: 'slow' });
    expect((await cached.board({ unitId: 'slow' })).cases.map((c) => c.caseId)).toContain(moved);

    // One replica claims each full pass; the next is due an interval later.
    expect(await board().claimFullPass('a', 60_000)).toBe(true);
    expect(await board().claimFullPass('b', 60_000)).toBe(false);
    now = new Date(now.getTime() + 60_000);
    expect(await board().claimFullPass('b', 60_000)).toBe(true);

    // Later in its life the case is scored by a later stage of the model.
    now = new Date(now.getTime() + 2 * DAY);
    expect((await board().forCase(slow))!.stage).toBeGreaterThan(0);
  });
});
