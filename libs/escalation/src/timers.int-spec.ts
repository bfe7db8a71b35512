import { defaultCalendar } from '@duban/calendar';
import { MessagingTables1763900000000 } from '@duban/messaging';
import { createDataSource, migrate } from '@duban/persistence';
import { freshDatabase } from '@duban/testing';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { escalationService } from './index';
import { startClock, startFirstStageClock } from './infrastructure/clocks';
import { TimerSweeper } from './infrastructure/timer-sweeper';

jest.setTimeout(120_000);

const logger = pino({ level: 'silent' });
const calendar = defaultCalendar();
const TOPIC = 'duban.escalation.events';

describe('light timers on real PostgreSQL', () => {
  let url: string;
  let drop: () => Promise<void>;
  const sources: DataSource[] = [];
  const connect = async (name: string) => {
    const ds = createDataSource({ url, applicationName: name, migrations: [MessagingTables1763900000000, ...(escalationService.migrations as unknown as never[])], poolSize: 4 });
    await ds.initialize();
    sources.push(ds);
    return ds;
  };

  beforeAll(async () => {
    ({ url, drop } = await freshDatabase('timers'));
    await migrate(await connect('migrate'));
  });

  afterAll(async () => {
    await Promise.all(sources.map((s) => s.destroy()));
    await drop?.();
  });

  it('fires each light once with three replicas sweeping together, on a clock the test controls', async () => {
    const db = sources[0];
    const start = new Date('2025-03-03T01:00:00Z'); // Monday 09:00 in China
    const cases = 300;
    await db.transaction(async (tx) => {
      for (let i = 0; i < cases; i += 1) {
        await startFirstStageClock(tx, TOPIC, calendar, { caseId: randomUUID(), unitId: 'water', tier: 'general', startedAt: start });
      }
    });
    const [{ n: timers }] = await db.query('SELECT count(*)::int AS n FROM clock_timers');
    expect(timers).toBe(3 * cases);

    // The test's clock: 3 working hours in (yellow at 2 h and orange at 3.2 h of the 4 h limit).
    let now = new Date('2025-03-03T04:00:00Z'); // Monday 12:00
    const replicas = await Promise.all(['a', 'b', 'c'].map(async (name) => new TimerSweeper({ dataSource: await connect(`sweeper-${name}`), topic: TOPIC, logger, name, now: () => now, batchSize: 25, escalateStages: ['accept', 'start'] })));
    const sweepAll = async () => {
      const counts = await Promise.all(
        replicas.map(async (r) => {
          let total = 0;
          for (let n = await r.sweep(); n > 0; n = await r.sweep()) total += n;
          return total;
        }),
      );
      return counts;
    };
    const first = await sweepAll();
    expect(first.reduce((a, b) => a + b, 0)).toBe(cases); // every yellow, nothing else yet
    expect(first.filter((n) => n > 0).length).toBeGreaterThan(1); // the replicas really shared the work

    now = new Date('2025-03-03T10:00:00Z'); // 18:00, after the 4 working hours (limit 14:30 with the lunch break)
    const second = await sweepAll();
    expect(second.reduce((a, b) => a + b, 0)).toBe(2 * cases);
    expect((await sweepAll()).reduce((a, b) => a + b, 0)).toBe(0);

    const [fired] = await db.query(
      `SELECT count(*)::int AS fired, count(DISTINCT id)::int AS distinct_timers, count(DISTINCT fired_by)::int AS sweepers FROM clock_timers WHERE fired_at IS NOT NULL`,
    );
    expect(fired).toEqual({ fired: 3 * cases, distinct_timers: 3 * cases, sweepers: 3 });
    // One event per timer fired, none twice.
    const [events] = await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT (payload -> 'data' ->> 'clockId') || (payload -> 'data' ->> 'light'))::int AS distinct_changes
         FROM outbox WHERE event_type = 'sla.light-changed'`,
    );
    expect(events).toEqual({ n: 3 * cases, distinct_changes: 3 * cases });
    const [{ n: breached }] = await db.query(`SELECT count(*)::int AS n FROM sla_clocks WHERE state = 'breached'`);
    expect(breached).toBe(cases);
    // Open at the limit of their first stage: every case became organisation-level, once.
    const [levels] = await db.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE level = 'organisation')::int AS org FROM case_supervision`);
    expect(levels).toEqual({ n: cases, org: cases });
    const [{ n: escalations }] = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE event_type = 'case.supervision-escalated'`);
    expect(escalations).toBe(cases);
    // Each overdue department-level case: a yellow card for the unit; the second in a row started one rectification.
    const cards = await db.query(`SELECT kind, count(*)::int AS n FROM unit_cards GROUP BY kind`);
    expect(cards).toEqual([{ kind: 'yellow', n: cases }]);
    const [{ n: rectifications }] = await db.query(`SELECT count(*)::int AS n FROM unit_rectifications WHERE unit_id = 'water' AND status = 'open'`);
    expect(rectifications).toBe(1);

    // An organisation-level case past another limit (here a supervision order's): a red card.
    const [{ case_id: orgCase }] = await db.query(`SELECT case_id FROM case_supervision LIMIT 1`);
    await db.transaction((tx) =>
      startClock(tx, TOPIC, calendar, { id: 'supervision-order:test', stage: 'supervision', minutes: 60, basis: 'elapsed' }, { caseId: orgCase, unitId: 'water', tier: 'general', startedAt: now }),
    );
    now = new Date(now.getTime() + 2 * 3_600_000);
    expect((await sweepAll()).reduce((a, b) => a + b, 0)).toBe(3);
    const [red] = await db.query(`SELECT case_id, kind FROM unit_cards WHERE kind = 'red'`);
    expect(red).toEqual({ case_id: orgCase, kind: 'red' });
  });

  it('reads only what is due: with 20,000 open timers and none due, the sweep touches no row', async () => {
    const db = sources[0];
    const [clock] = await db.query('SELECT id, case_id FROM sla_clocks LIMIT 1');
    await db.query(
      `INSERT INTO clock_timers (id, clock_id, case_id, unit_id, stage, light, rung, fire_at)
       SELECT gen_random_uuid(), $1, $2, 'water', 'accept', 'yellow', 'handler', now() + make_interval(hours => g) FROM generate_series(1, 20000) g`,
      [clock.id, clock.case_id],
    );
    await db.query('ANALYZE clock_timers');
    const [[{ 'QUERY PLAN': plan }]] = [await db.query(
      `EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM clock_timers WHERE fired_at IS NULL AND fire_at <= now() ORDER BY fire_at LIMIT 500 FOR UPDATE SKIP LOCKED`,
    )];
    const text = JSON.stringify(plan);
    expect(text).toContain('"Index Name":"clock_timers_due"');
    // Rows the scan produced and rows it read and threw away: none, whatever is open.
    const scanned = [...text.matchAll(/"Actual Rows":(\d+)/g)].map((m) => Number(m[1]));
    expect(Math.max(...scanned)).toBe(0);
    const removed = [...text.matchAll(/"Rows Removed by Filter":(\d+)/g)].map((m) => Number(m[1]));
    expect(removed.every((n) => n === 0)).toBe(true);
  });
});
