/** The timer benchmark's data: the production sweeper, N open clocks with their timers, and EXPLAIN of the sweeper's queries. */
import { topicOf } from '@duban/contracts';
import { escalationService } from '@duban/escalation';
import { MessagingTables1763900000000 } from '@duban/messaging';
import { createDataSource } from '@duban/persistence';
import { Client } from 'pg';
import pino from 'pino';
import type { DataSource, EntityManager } from 'typeorm';

// ---------------------------------------------------------------- the sweepers, as production builds them

export interface Sweeper {
  start(): void;
  stop(): Promise<void>;
  sweep(): Promise<number>;
  nextDue(): Promise<Date | null>;
}

export type Runtime = Parameters<typeof escalationService.compose>[0];
export const logger = pino({ level: 'warn' }, pino.destination(2));
export const TOPIC = topicOf('escalation');

/** Production settings of the service (ESCALATION_* defaults); nothing else is configurable. */
export function defaultConfig(): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(escalationService.config ?? {})) config[key] = (schema as { default?: unknown }).default;
  return config;
}

/** The escalation service's sweeper exactly as its composition builds it (pollMs, batchSize, stages: the defaults). */
export function productionSweeper(dataSource: DataSource, onFired: (latenessMs: number) => void): Sweeper {
  const runtime = { dataSource, topic: TOPIC, logger, metrics: { timerLateness: { observe: (s: number) => onFired(s * 1000) } } } as unknown as Runtime;
  const { workers = [] } = escalationService.compose(runtime, defaultConfig());
  const sweepers = (workers as unknown as Partial<Sweeper>[]).filter((w) => typeof w.sweep === 'function' && typeof w.nextDue === 'function');
  if (sweepers.length !== 1) throw new Error('escalationService.compose no longer returns one timer sweeper among its workers; adapt the benchmark');
  return sweepers[0] as Sweeper;
}

export function source(url: string, name: string, poolSize = 4): DataSource {
  return createDataSource({ url, applicationName: name, migrations: [MessagingTables1763900000000, ...(escalationService.migrations as unknown as never[])], poolSize });
}

// ---------------------------------------------------------------- query capture

export type Rewrite = (sql: string) => string;
export const asIs: Rewrite = (sql) => sql;

/** A data source whose transactions' queries pass through `rewrite` (the sweeper under a prototype query). */
export function rewritingSource(ds: DataSource, rewrite: Rewrite): DataSource {
  return new Proxy(ds, {
    get(target, prop) {
      if (prop === 'transaction') {
        return (fn: (tx: EntityManager) => Promise<unknown>) =>
          target.transaction((tx) =>
            fn(
              new Proxy(tx, {
                get(t, p) {
                  if (p !== 'query') return Reflect.get(t, p);
                  return (sql: string, params?: unknown[]) => t.query(rewrite(sql), params);
                },
              }),
            ),
          );
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

// ---------------------------------------------------------------- filling N open clocks

/**
 * The clocks a live system holds, by g % 10: stage, tier, policy, basis — the first-response clocks (accept/start),
 * the result clocks (complete/result/solution) and the coordinator's (designate).
 */
export const CLOCK_KINDS: [stage: string, tier: string, policy: string, basis: string][] = [
  ['start', 'immediate', 'immediate.start.2h', 'elapsed'],
  ['accept', 'complex', 'complex.accept.1wd', 'working'],
  ['accept', 'complex', 'complex.accept.1wd', 'working'],
  ['accept', 'general', 'general.accept.4wh', 'working'],
  ['accept', 'general', 'general.accept.4wh', 'working'],
  ['accept', 'general', 'general.accept.4wh', 'working'],
  ['complete', 'general', 'general.complete.3wd', 'working'],
  ['result', 'immediate', 'immediate.result.24h', 'elapsed'],
  ['solution', 'complex', 'complex.solution.10wd', 'working'],
  ['designate', 'general', 'coordination.designate.1wd', 'working'],
];

/** Fills N running clocks with their yellow/orange/red timers, in chunks; timers already past are stored as fired. */
export async function fill(ds: DataSource, clocks: number): Promise<void> {
  const kind = (i: number) => `CASE g % 10 ${CLOCK_KINDS.map((k, n) => `WHEN ${n} THEN '${k[i]}'`).join(' ')} END`;
  // sla_clocks.basis came with the stages-and-pauses migration; set it when the schema has it.
  const [{ n: hasBasis }] = await ds.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'sla_clocks' AND column_name = 'basis'`);
  const chunk = 100_000;
  for (let from = 1; from <= clocks; from += chunk) {
    const to = Math.min(clocks, from + chunk - 1);
    // Started in the last 3 days, limits of 3 days 2 h to 10 days: every red timer is ≥ 2 h away, yellow/orange
    // already past are fired (as in a live system), the rest are spread over the next 10 days.
    await ds.query(
      `WITH c AS (
         INSERT INTO sla_clocks (id, case_id, unit_id, stage, tier, policy, started_at, due_at${hasBasis ? ', basis' : ''})
         SELECT gen_random_uuid(), gen_random_uuid(), 'unit-' || (g % 200), ${kind(0)}, ${kind(1)}, ${kind(2)}, started, started + dur${hasBasis ? `, ${kind(3)}` : ''}
           FROM (SELECT g, now() - random() * interval '3 days' AS started, interval '3 days 2 hours' + random() * interval '7 days' AS dur
                   FROM generate_series($1::int, $2::int) g) x
         RETURNING id, case_id, unit_id, stage, started_at, due_at)
       INSERT INTO clock_timers (id, clock_id, case_id, unit_id, stage, light, rung, fire_at, fired_at, fired_by)
       SELECT gen_random_uuid(), c.id, c.case_id, c.unit_id, c.stage, l.light, l.rung, f.at,
              CASE WHEN f.at < now() + interval '1 hour' THEN least(f.at, now()) END,
              CASE WHEN f.at < now() + interval '1 hour' THEN 'bench-fill' END
         FROM c
        CROSS JOIN (VALUES ('yellow', 'handler', 0.5), ('orange', 'unit-head', 0.8), ('red', 'supervision-office', 1.0)) l (light, rung, share)
        CROSS JOIN LATERAL (SELECT c.started_at + (c.due_at - c.started_at) * l.share AS at) f`,
      [from, to],
    );
    if (clocks >= 500_000) process.stdout.write(`  filled ${to.toLocaleString('en')} clocks\r`);
  }
  if (clocks >= 500_000) process.stdout.write('\n');
  await ds.query('CREATE TABLE bench_stream (id uuid PRIMARY KEY, original_fire_at timestamptz NOT NULL)');
  // Autovacuum off on the measured tables: each run's VACUUM is explicit, so it is outside every CPU window
  // (the 10,000 database would otherwise be vacuumed mid-run and the 1,000,000 one not — see the notes).
  for (const t of ['clock_timers', 'sla_clocks', 'outbox', 'unit_cards', 'case_supervision', 'unit_rectifications']) {
    await ds.query(`ALTER TABLE ${t} SET (autovacuum_enabled = off)`);
  }
}

/**
 * Re-times `count` random unfired, not-yet-due timers to come due at uniformly random instants in
 * [start, start + seconds) of wall time; their original times are kept in bench_stream.
 */
export async function retime(ds: DataSource, count: number, start: Date, seconds: number): Promise<void> {
  await ds.query(
    `WITH pick AS (SELECT id, fire_at FROM clock_timers WHERE fired_at IS NULL AND fire_at > now() + interval '1 hour'
                     AND id NOT IN (SELECT id FROM bench_stream) ORDER BY random() LIMIT $1),
          kept AS (INSERT INTO bench_stream (id, original_fire_at) SELECT id, fire_at FROM pick RETURNING id)
     UPDATE clock_timers t SET fire_at = $2::timestamptz + random() * $3::float8 * interval '1 second' FROM kept WHERE t.id = kept.id`,
    [count, start, seconds],
  );
}

/** Puts the stream timers back: unfired, their original times, their clocks running — so N clocks stay open. */
export async function reset(ds: DataSource): Promise<void> {
  await ds.query(
    `UPDATE sla_clocks c SET state = 'running' FROM clock_timers t JOIN bench_stream s ON s.id = t.id
      WHERE c.id = t.clock_id AND c.state = 'breached'`,
  );
  await ds.query(`UPDATE clock_timers t SET fire_at = s.original_fire_at, fired_at = NULL, fired_by = NULL FROM bench_stream s WHERE t.id = s.id`);
  await ds.query('TRUNCATE bench_stream');
}

export async function vacuum(ds: DataSource): Promise<void> {
  await ds.query('VACUUM (ANALYZE) clock_timers, sla_clocks, outbox, unit_cards, case_supervision, unit_rectifications, bench_stream');
  await ds.query('CHECKPOINT');
}

/**
 * The state just before autovacuum would vacuum clock_timers by default (dead tuples > 50 + 20 % of its rows):
 * that many timers fired since the last vacuum, with due times in the past, so their (dead) entries sit at the
 * front of the partial index that every sweep and every nextDue() scan starts from. Yellow/orange only (clocks stay running).
 */
export async function deadTarget(ds: DataSource, spec: 'auto' | number): Promise<number> {
  if (spec !== 'auto') return spec;
  const [{ n: rows }] = await ds.query('SELECT reltuples::bigint AS n FROM pg_class WHERE oid = $1::regclass', ['clock_timers']);
  return Math.round(50 + 0.2 * Number(rows)); // autovacuum_vacuum_threshold + autovacuum_vacuum_scale_factor × reltuples
}

export async function makeDead(ds: DataSource, target: number): Promise<number> {
  const [{ n: have }] = await ds.query(`SELECT count(*)::int AS n FROM clock_timers WHERE fired_by = 'bench-dead'`);
  const dead = target - have;
  if (dead <= 0) return have;
  await ds.query(
    `WITH pick AS (SELECT id FROM clock_timers WHERE fired_at IS NULL AND light <> 'red' AND fire_at > now() + interval '1 hour' ORDER BY random() LIMIT $1)
     UPDATE clock_timers t SET fire_at = now() - interval '1 minute' - random() * interval '12 hours' FROM pick WHERE t.id = pick.id`,
    [dead],
  );
  await ds.query(`UPDATE clock_timers SET fired_at = fire_at + interval '100 milliseconds', fired_by = 'bench-dead' WHERE fired_at IS NULL AND fire_at < now()`);
  return target;
}

/** VACUUM clock_timers as autovacuum would (INDEX_CLEANUP auto), with what it reports about its index passes. */
export async function vacuumVerbose(url: string): Promise<string> {
  const c = new Client({ connectionString: url });
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(n.message ?? ''));
  await c.connect();
  try {
    await c.query('VACUUM (VERBOSE) clock_timers');
  } finally {
    await c.end();
  }
  return notices
    .join('\n')
    .split('\n')
    .filter((l) => /index scan|index "clock_timers_due"|pages:|tuples:|removable|bypass/i.test(l))
    .map((l) => l.trim())
    .join('\n');
}

// ---------------------------------------------------------------- EXPLAIN of the sweeper's own queries

export interface Plans {
  claim: string;
  nextDue: string;
}

export class Captured extends Error {}

/**
 * Runs one sweep() and one nextDue() of a production sweeper through a data source that replaces
 * each query by EXPLAIN (ANALYZE, BUFFERS) of it — the claim in a transaction rolled back afterwards.
 */
export async function explainSweeper(ds: DataSource, rewrite: Rewrite = asIs): Promise<Plans> {
  const plans: Partial<Plans> = {};
  const explain = async (q: (sql: string, params?: unknown[]) => Promise<unknown>, sql: string, params?: unknown[]) => {
    const rows = (await q(`EXPLAIN (ANALYZE, BUFFERS, TIMING) ${sql}`, params)) as { 'QUERY PLAN': string }[];
    return `${sql.replace(/\s+/g, ' ').trim()}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`;
  };
  const spy = new Proxy(ds, {
    get(target, prop) {
      if (prop === 'transaction') {
        return (fn: (tx: EntityManager) => Promise<unknown>) =>
          target.transaction(async (tx) => {
            const txSpy = new Proxy(tx, {
              get(t, p) {
                if (p !== 'query') return Reflect.get(t, p);
                return async (sql: string, params?: unknown[]) => {
                  plans.claim = await explain((s, ps) => t.query(s, ps), rewrite(sql), params);
                  throw new Captured('rolled back'); // the claim ran under EXPLAIN ANALYZE: undo it
                };
              },
            });
            return fn(txSpy);
          });
      }
      if (prop === 'query') {
        return async (sql: string, params?: unknown[]) => {
          plans.nextDue = await explain((s, ps) => target.query(s, ps), sql, params);
          return target.query(sql, params);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const sweeper = productionSweeper(spy, () => undefined);
  await sweeper.sweep().catch((e) => {
    if (!(e instanceof Captured)) throw e;
  });
  await sweeper.nextDue();
  return plans as Plans;
}

/** EXPLAIN of the sweeper's queries with `due` timers due now (re-timed into the past, reset afterwards). */
export async function explainWithDue(ds: DataSource, due: number, rewrite: Rewrite = asIs): Promise<Plans> {
  await retime(ds, due, new Date(Date.now() - 2000), 1);
  // The planner's first look at the due-time index after a change can set hint bits; plan twice, keep the second.
  await explainSweeper(ds, rewrite);
  const plans = await explainSweeper(ds, rewrite);
  await reset(ds);
  return plans;
}

