import { AnyEnvelope, CaseAssigned, CaseReceived, CaseResolved, newEvent } from '@duban/contracts';
import { applyOne, BatchEventHandler, EventHandler, MessagingTables1763900000000 } from '@duban/messaging';
import { createDataSource, migrate } from '@duban/persistence';
import { eventHandlersOf } from '@duban/service-defaults';
import { freshDatabase } from '@duban/testing';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Ratings } from './application/ratings';
import { Revisits } from './application/revisits';
import { UnitDays } from './infrastructure/unit-days';
import { assessmentService } from './index';

jest.setTimeout(120_000);

const TOPIC = 'duban.assessment.events';
const reporter = { subject: 'subject-citizen1', unitId: null, username: 'citizen1', roles: ['reporter'] } as never;

/**
 * Ratings on real PostgreSQL, on a clock the test sets: the assessment handlers open a rating request
 * per resolution, the reporter rates it once, an unsatisfied rating is a rebound, the default counts
 * when the window passes, and the unit's month follows every step.
 */
describe('ratings, rebounds and defaults on real PostgreSQL', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let handlers: Record<string, EventHandler | BatchEventHandler>;
  let closeHandlers: (() => Promise<void>) | undefined;
  let now = new Date('2026-11-02T02:00:00Z');
  let ratings: Ratings;
  let revisits: Revisits;
  const apply = (event: AnyEnvelope) => db.transaction((tx) => applyOne(handlers[event.type], event, tx));
  const outbox = async (caseId: string): Promise<string[]> =>
    (await db.query(`SELECT event_type FROM outbox WHERE message_key = $1 ORDER BY seq`, [caseId])).map((r: { event_type: string }) => r.event_type);
  const month = async (unitId: string) => {
    const c = (await new UnitDays('Asia/Shanghai').sum(db, '2026-11-01', '2026-11-30', unitId)).get(unitId)!;
    return { resolved: c.resolved, ratings: c.ratings, score_sum: c.scoreSum, defaulted: c.defaulted, rebounds: c.rebounds, firstTime: c.firstTime, firstRatings: c.firstRatings };
  };

  async function resolvedCase(unitId: string, at: Date): Promise<{ caseId: string; resolve: (when: Date) => Promise<void> }> {
    const caseId = randomUUID();
    await apply(
      newEvent(CaseReceived, {
        caseId,
        unitId: null,
        occurredAt: at,
        data: { title: 'Broken bench', description: 'A slat is missing', category: 'parks.tree-hazard', tier: 'general', channel: 'app', reporter: { subject: 'subject-citizen1', username: 'citizen1' }, receivedAt: at.toISOString() },
      }),
    );
    await apply(newEvent(CaseAssigned, { caseId, unitId, occurredAt: at, data: { assignmentId: randomUUID(), unitId, unitName: unitId, assignee: null, category: 'parks.tree-hazard', tier: 'general', rule: { id: 'r', version: 1 }, reason: 'test' } }));
    const resolve = async (when: Date) => {
      const event = newEvent(CaseResolved, { caseId, unitId, occurredAt: when, data: { resultId: randomUUID(), unitId, by: 'handler-parks-a', reviewedBy: 'operator1', summary: 'Bench repaired' } });
      await apply(event);
      await apply({ ...event, id: randomUUID() }); // a redelivery under a new id adds nothing
    };
    await resolve(at);
    return { caseId, resolve };
  }

  beforeAll(async () => {
    let url: string;
    ({ url, drop } = await freshDatabase('ratings'));
    db = createDataSource({ url, applicationName: 'ratings', migrations: [MessagingTables1763900000000, ...(assessmentService.migrations as unknown as never[])], poolSize: 4 });
    await db.initialize();
    await migrate(db);
    const runtime = { dataSource: db, topic: TOPIC, logger: pino({ level: 'silent' }) };
    const config = { RATING_WINDOW_HOURS: 72, RATING_DEFAULT_LEVEL: 'satisfied', RATING_LINK_SECRET: 'x'.repeat(32), KPI_TIME_ZONE: 'Asia/Shanghai', RATING_SWEEP_MS: 1000, KPI_WEIGHTS: '', REVISIT_DAYS: '30,90' };
    ({ handlers, close: closeHandlers } = await eventHandlersOf(assessmentService, runtime as never, config));
    // The same service, on the test's clock.
    const days = new UnitDays('Asia/Shanghai');
    revisits = new Revisits(runtime as never, days, { afterDays: [30, 90], now: () => now });
    ratings = new Ratings(runtime as never, days, revisits, { windowHours: 72, defaultLevel: 'satisfied', linkSecret: 'x'.repeat(32), sweepMs: 1000, now: () => now });
  });

  afterAll(async () => {
    await closeHandlers?.();
    await db?.destroy();
    await drop?.();
  });

  it('rates once, rebounds on dissatisfaction, rates the next resolution, and defaults the unrated ones when the window passes', async () => {
    const rated = await resolvedCase('parks', now);
    const silent = await resolvedCase('parks', now);
    expect(await month('parks')).toEqual({ resolved: 2, ratings: 0, score_sum: 0, defaulted: 0, rebounds: 0, firstTime: 0, firstRatings: 0 });

    // Someone else cannot rate it; the reporter rates once.
    await expect(ratings.rateAsReporter({ subject: 'someone-else', roles: ['reporter'] } as never, rated.caseId, { level: 'satisfied' })).rejects.toMatchObject({ status: 404 });
    const first = await ratings.rateAsReporter(reporter, rated.caseId, { level: 'dissatisfied', comment: 'The bench still wobbles' });
    expect(first).toMatchObject({ round: 1, level: 'dissatisfied', score: 25, via: 'api', rebound: true });
    await expect(ratings.rateAsReporter(reporter, rated.caseId, { level: 'satisfied' })).rejects.toMatchObject({ status: 409 });
    expect(await outbox(rated.caseId)).toEqual(['case.rated', 'case.rebounded']);
    expect((await db.query(`SELECT 1 FROM open_cases WHERE case_id = $1`, [rated.caseId])).length).toBe(1);

    // Reworked and resolved again: a second round, rated through a signed link.
    now = new Date(now.getTime() + 86_400_000);
    await rated.resolve(now);
    const link = await ratings.link(rated.caseId);
    expect(link.round).toBe(2);
    await expect(ratings.rateByLink({ token: `${link.token.slice(0, -2)}AA`, level: 'satisfied' })).rejects.toMatchObject({ status: 400 });
    expect(await ratings.rateByLink({ token: link.token, level: 'very-satisfied' })).toMatchObject({ round: 2, score: 100, via: 'link', rebound: false });
    await expect(ratings.rateByLink({ token: link.token, level: 'very-satisfied' })).rejects.toMatchObject({ status: 409 });

    // Nothing is due yet; after 72 hours the unrated resolution counts as satisfied, once.
    expect(await ratings.sweepDefaults()).toBe(0);
    now = new Date(now.getTime() + 3 * 86_400_000);
    expect(await ratings.sweepDefaults()).toBe(1);
    expect(await ratings.sweepDefaults()).toBe(0);
    expect(await outbox(silent.caseId)).toEqual(['case.rated']);
    await expect(ratings.rateAsReporter(reporter, silent.caseId, { level: 'neutral' })).rejects.toMatchObject({ status: 409 });
    // A signed link that has expired is refused by field.
    await expect(ratings.rateByLink({ token: link.token, level: 'neutral' })).rejects.toMatchObject({ status: 400 });

    // November in Shanghai: 3 resolutions, 3 ratings (25 + 100 + 75), one default, one rebound;
    // of the two first resolutions rated, the defaulted one counts as resolved the first time.
    expect(await month('parks')).toEqual({ resolved: 3, ratings: 3, score_sum: 200, defaulted: 1, rebounds: 1, firstTime: 1, firstRatings: 2 });
  });

  it('plans revisits at 30 and 90 days after a satisfied resolution, reopens on a recurrence, and closes the case after the last revisit', async () => {
    const staff = { subject: 's-op', username: 'operator1', unitId: null, roles: ['operator'], clearance: 'internal' } as never;
    const start = now;
    const kept = await resolvedCase('parks', now);
    const back = await resolvedCase('parks', now);
    await ratings.rateAsReporter(reporter, kept.caseId, { level: 'satisfied' });
    await ratings.rateAsReporter(reporter, back.caseId, { level: 'very-satisfied' });
    const plan = await revisits.list(staff, { caseId: kept.caseId });
    expect(plan.map((v: { afterDays: number; state: string }) => [v.afterDays, v.state])).toEqual([
      [30, 'scheduled'],
      [90, 'scheduled'],
    ]);
    expect(new Date(plan[0].dueAt).getTime() - start.getTime()).toBe(30 * 86_400_000);
    expect(await revisits.list(staff, { due: true, caseId: kept.caseId })).toEqual([]);
    await expect(revisits.list({ roles: ['handler'], unitId: 'parks' } as never, {})).rejects.toMatchObject({ status: 403 });

    // 30 days on: both are due; the kept one is still solved, the other recurred.
    now = new Date(start.getTime() + 30 * 86_400_000);
    const due = await revisits.list(staff, { due: true });
    const first = due.find((v: { caseId: string }) => v.caseId === kept.caseId);
    const other = due.find((v: { caseId: string }) => v.caseId === back.caseId);
    expect(await revisits.record(staff, first.id, { outcome: 'resolved' })).toMatchObject({ closed: false, rebound: false });
    await expect(revisits.record(staff, first.id, { outcome: 'resolved' })).rejects.toMatchObject({ status: 409 });
    await expect(revisits.record(staff, other.id, { outcome: 'recurred' })).rejects.toMatchObject({ status: 400 });
    expect(await revisits.record(staff, other.id, { outcome: 'recurred', note: 'The slat fell off again' })).toMatchObject({ rebound: true, closed: false });
    expect((await outbox(back.caseId)).slice(-2)).toEqual(['case.revisited', 'case.rebounded']);
    expect((await revisits.list(staff, { caseId: back.caseId })).map((v: { state: string }) => v.state)).toEqual(['done', 'cancelled']);

    // 90 days on: nobody answers; the last revisit closes and archives the case.
    now = new Date(start.getTime() + 90 * 86_400_000);
    const last = (await revisits.list(staff, { due: true, caseId: kept.caseId }))[0];
    expect(await revisits.record(staff, last.id, { outcome: 'unreachable' })).toMatchObject({ closed: true });
    expect((await outbox(kept.caseId)).slice(-2)).toEqual(['case.revisited', 'case.closed']);
    expect((await db.query(`SELECT round FROM closed_cases WHERE case_id = $1`, [kept.caseId]))[0].round).toBe(1);
  });
});
