import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { AnyEnvelope, CaseReceived, newEvent } from '@duban/contracts';
import { createDataSource, migrate } from '@duban/persistence';
import { eventually, freshDatabase } from '@duban/testing';
import { batchHandler, IdempotentConsumer } from './consumer';
import { MessagingTables1763900000000 } from './migration';
import { IncomingMessage, MessageTransport } from './port';

export const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function caseReceived(caseId: string = randomUUID()): AnyEnvelope {
  return newEvent(CaseReceived, {
    caseId,
    unitId: null,
    data: {
      title: 'Leak',
      description: 'Water on the street',
      category: 'water.leak',
      tier: 'immediate',
      channel: 'web',
      reporter: { subject: 'citizen-1' },
      receivedAt: new Date().toISOString(),
    },
  }) as AnyEnvelope;
}

/** Collects what a group receives through the transport under test. */
async function collect(transport: MessageTransport, groupId: string, topics: string[], handle?: (m: IncomingMessage) => Promise<void>) {
  const seen: IncomingMessage[] = [];
  await transport.subscribe({
    groupId,
    topics,
    handle: async (m) => {
      if (handle) await handle(m);
      seen.push(m);
    },
  });
  return seen;
}

/**
 * The guarantees every adapter of the messaging port must keep (ARCHITECTURE.md):
 * per-key ordering, at-least-once delivery with idempotent handlers, retries, DLQ.
 * Run against the Kafka adapter and the standalone PostgreSQL bus alike.
 */
export function describeTransportContract(name: string, open: (databaseUrl: string) => Promise<MessageTransport>): void {
  describe(`messaging port contract: ${name}`, () => {
    const run = randomUUID().slice(0, 8);
    let db: { url: string; drop: () => Promise<void> };
    let dataSource: DataSource;
    let transport: MessageTransport;

    beforeAll(async () => {
      db = await freshDatabase(`contract_${name}`);
      dataSource = createDataSource({ url: db.url, applicationName: 'contract-spec', migrations: [MessagingTables1763900000000] });
      await dataSource.initialize();
      await migrate(dataSource);
      await dataSource.query('CREATE TABLE effects (case_id uuid NOT NULL, event_id uuid NOT NULL)');
    });

    beforeEach(async () => {
      transport = await open(db.url);
    });

    afterEach(async () => {
      await transport.close();
    });

    afterAll(async () => {
      await dataSource.destroy();
      await db.drop();
    });

    /**
     * An idempotent consumer that records each case.received in `effects` (and in `applied`), and
     * always fails on one event; with `runs`, a multi-row handler that records the size of each run it is given.
     */
    const effectsConsumer = (groupId: string, topic: string, failingId: string, applied: string[] = [], runs?: number[], lags?: Map<string, number>) =>
      new IdempotentConsumer({
        observeLag: lags ? (t, partition, behind) => lags.set(`${t}/${partition ?? 'all'}`, behind) : undefined,
        groupId,
        topics: [topic],
        dataSource,
        transport,
        logger: quietLogger,
        maxAttempts: 2,
        baseDelayMs: 10,
        handlers: {
          [CaseReceived.type]: runs
            ? batchHandler(async (events, tx) => {
                runs.push(events.length);
                if (events.some((e) => e.id === failingId)) throw new Error('cannot handle');
                await tx.query('INSERT INTO effects (case_id, event_id) SELECT * FROM unnest($1::uuid[], $2::uuid[])', [
                  events.map((e) => e.caseId),
                  events.map((e) => e.id),
                ]);
                applied.push(...events.map((e) => e.id));
              })
            : async (e, tx) => {
                if (e.id === failingId) throw new Error('cannot handle');
                await tx.query('INSERT INTO effects (case_id, event_id) VALUES ($1, $2)', [e.caseId, e.id]);
                applied.push(e.id);
              },
        },
      });

    it('keeps each key in order and delivers every message to every group, from the beginning', async () => {
      const topic = `contract.order.${run}`;
      await transport.ensureTopics([topic]);
      const keys = Array.from({ length: 5 }, () => randomUUID());
      const sent = keys.flatMap((key) => Array.from({ length: 20 }, (_, i) => ({ key, value: `${key}:${i}`, headers: { n: String(i) } })));
      for (let i = 0; i < sent.length; i += 10) await transport.publish(topic, sent.slice(i, i + 10));

      // Both groups subscribe after the messages were published.
      const first = await collect(transport, `contract-a-${run}`, [topic]);
      const second = await collect(transport, `contract-b-${run}`, [topic]);
      await eventually(async () => (first.length >= 100 && second.length >= 100 ? true : undefined));
      for (const seen of [first, second]) {
        expect(seen).toHaveLength(100);
        for (const key of keys) {
          expect(seen.filter((m) => m.key === key).map((m) => m.value)).toEqual(sent.filter((m) => m.key === key).map((m) => m.value));
        }
        expect(seen.find((m) => m.value.endsWith(':7'))!.headers.n).toBe('7');
      }
    });

    it('redelivers a message whose handler failed, and holds back that key until it succeeds', async () => {
      const topic = `contract.redeliver.${run}`;
      await transport.ensureTopics([topic]);
      const key = randomUUID();
      await transport.publish(topic, ['a', 'b', 'c'].map((value) => ({ key, value, headers: {} })));
      let failures = 2;
      const attempts: string[] = [];
      const seen = await collect(transport, `contract-redeliver-${run}`, [topic], async (m) => {
        attempts.push(m.value);
        if (m.value === 'b' && failures-- > 0) throw new Error('not yet');
      });
      await eventually(async () => (seen.length >= 3 ? true : undefined));
      expect(seen.map((m) => m.value)).toEqual(['a', 'b', 'c']);
      expect(attempts).toEqual(['a', 'b', 'b', 'b', 'c']);
    });

    it('with the idempotent consumer: applies duplicates once, dead-letters poison and goes on', async () => {
      const topic = `contract.idempotent.${run}`;
      const groupId = `duban-contract-${run}`;
      const caseId = randomUUID();
      const good = caseReceived(caseId);
      const failing = caseReceived(caseId);
      const json = (e: AnyEnvelope) => ({ key: caseId, value: JSON.stringify(e), headers: {} });
      await transport.ensureTopics([topic]);
      await transport.publish(topic, [json(good), json(good), { key: caseId, value: '{not json', headers: {} }, json(failing), json(caseReceived(caseId))]);

      const consumer = effectsConsumer(groupId, topic, failing.id);
      await consumer.start();
      const dead = await collect(transport, `contract-dlq-reader-${run}`, [consumer.dlqTopic]);
      await eventually(async () => (consumer.stats.applied === 2 && dead.length === 2 ? true : undefined));
      expect(consumer.stats.duplicates).toBe(1);
      expect(dead.map((m) => m.headers['dlq-reason'])).toEqual([expect.stringContaining('not JSON'), 'cannot handle']);
      const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM effects WHERE case_id = $1', [caseId]);
      expect(n).toBe(2);
    });

    it.each([
      ['one event at a time', false],
      ['a multi-row handler', true],
    ])('with the idempotent consumer and %s: applies a backlog in batches, each event once, and isolates the one that fails', async (_, multiRow) => {
      const topic = `contract.batch.${multiRow ? 'rows' : 'each'}.${run}`;
      const runs: number[] = [];
      const caseIds = Array.from({ length: 8 }, () => randomUUID());
      const events = Array.from({ length: 120 }, (_, i) => caseReceived(caseIds[i % caseIds.length]));
      const failing = events[57];
      await transport.ensureTopics([topic]);
      // The backlog is there before the group starts: deliveries of many messages at once.
      await transport.publish(topic, events.map((e) => ({ key: e.caseId, value: JSON.stringify(e), headers: {} })));
      const order: string[] = [];
      const lags = new Map<string, number>();
      const consumer = effectsConsumer(`duban-contract-batch-${multiRow ? 'rows' : 'each'}-${run}`, topic, failing.id, order, multiRow ? runs : undefined, lags);
      await consumer.start();
      await eventually(async () => (consumer.stats.applied === 119 && consumer.stats.deadLettered === 1 ? true : undefined));
      const rows: { event_id: string; n: number }[] = await dataSource.query(
        'SELECT event_id, count(*)::int AS n FROM effects WHERE case_id = ANY($1::uuid[]) GROUP BY event_id',
        [caseIds],
      );
      expect(rows).toHaveLength(119);
      expect(rows.every((r) => r.n === 1)).toBe(true);
      expect(rows.some((r) => r.event_id === failing.id)).toBe(false);
      // Each case's events were applied in the order they were published.
      for (const caseId of caseIds) {
        const published = events.filter((e) => e.caseId === caseId && e.id !== failing.id).map((e) => e.id);
        const ids = new Set(published);
        expect(order.filter((id) => ids.has(id)).filter((id, i, all) => all.indexOf(id) === i)).toEqual(published);
      }
      // The lag the transport reports (the consumer-lag metric) is back to nothing once the backlog is in.
      expect(lags.size).toBeGreaterThan(0);
      expect([...lags.values()].every((n) => n === 0)).toBe(true);
      // Far fewer transactions than events: the backlog went in batches.
      expect(consumer.stats.transactions).toBeLessThan(consumer.stats.applied / 4);
      // The multi-row handler was given whole runs, and the failing event was found by halving its run down to one.
      if (multiRow) {
        expect(Math.max(...runs)).toBeGreaterThan(4);
        expect(runs.filter((n) => n === 1).length).toBeGreaterThan(1);
      }
    });
  });
}
