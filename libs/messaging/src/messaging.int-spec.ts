import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { AnyEnvelope, CaseReceived } from '@duban/contracts';
import { createDataSource, migrate } from '@duban/persistence';
import { eventually, freshDatabase, stack } from '@duban/testing';
import { IdempotentConsumer } from './consumer';
import { KafkaTransport } from './kafka-transport';
import { MessagingTables1763900000000 } from './migration';
import { enqueue, OutboxRelay } from './outbox';
import { MessageTransport, OutgoingMessage } from './port';
import { caseReceived, quietLogger } from './transport-contract.int-helper';

jest.setTimeout(90_000);

const logger = quietLogger;
const run = randomUUID().slice(0, 8);

async function openDatabase(url: string): Promise<DataSource> {
  const ds = createDataSource({ url, applicationName: 'messaging-int-spec', migrations: [MessagingTables1763900000000] });
  await ds.initialize();
  await migrate(ds);
  await ds.query('CREATE TABLE IF NOT EXISTS effects (case_id uuid NOT NULL, event_id uuid NOT NULL)');
  return ds;
}

/** Reads everything on a topic with a throw-away group, to see what really reached the broker. */
async function readTopic(topic: string, expected: number): Promise<{ key: string; value: string; headers: Record<string, string> }[]> {
  const kafka = new Kafka({ clientId: 'int-spec-reader', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const seen: { key: string; value: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      seen.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', headers });
    },
  });
  try {
    await eventually(async () => (seen.length >= expected ? true : undefined), 30_000);
    // A moment more, so that anything beyond the expected count would show up too.
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

describe('messaging against real Kafka and PostgreSQL', () => {
  let db: { url: string; drop: () => Promise<void> };
  let transport: KafkaTransport;
  const dataSources: DataSource[] = [];

  beforeAll(async () => {
    db = await freshDatabase('messaging');
    transport = new KafkaTransport({ clientId: `int-spec-${run}`, brokers: stack.kafkaBrokers, logger, partitions: 3 });
  });

  afterAll(async () => {
    await transport.close();
    for (const ds of dataSources) if (ds.isInitialized) await ds.destroy();
    await db.drop();
  });

  /** A consumer that records each applied event as an `effects` row and in `applied`, in order. */
  function recordingConsumer(ds: DataSource, topic: string, groupId: string) {
    const applied: string[] = [];
    const consumer = new IdempotentConsumer({
      groupId,
      topics: [topic],
      dataSource: ds,
      transport,
      logger,
      handlers: {
        [CaseReceived.type]: async (e, tx) => {
          await tx.query('INSERT INTO effects (case_id, event_id) VALUES ($1, $2)', [e.caseId, e.id]);
          applied.push(e.id);
        },
      },
    });
    return { consumer, applied };
  }

  async function database(): Promise<DataSource> {
    const ds = await openDatabase(db.url);
    dataSources.push(ds);
    return ds;
  }

  it('publishes outbox rows committed before a crash once the service is back', async () => {
    const topic = `int.outbox-crash.${run}`;
    await transport.ensureTopics([topic]);
    // The service writes its state and events, commits, and dies before its relay runs.
    const beforeCrash = await openDatabase(db.url);
    const events = [caseReceived(), caseReceived(), caseReceived()];
    await beforeCrash.transaction((tx) => enqueue(tx, topic, events));
    await beforeCrash.destroy();

    // After the restart, the relay finds the rows and publishes them.
    const afterRestart = await database();
    const relay = new OutboxRelay({ dataSource: afterRestart, transport, logger, pollIntervalMs: 50 });
    relay.start();
    const received = await readTopic(topic, 3);
    await relay.stop();

    expect(received.map((m) => JSON.parse(m.value).id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(received.map((m) => m.key).sort()).toEqual(events.map((e) => e.caseId).sort());
    expect(await relay.pendingCount()).toBe(0);
  });

  it('re-publishes when the process dies between publishing and marking, and consumers apply it once', async () => {
    const topic = `int.outbox-republish.${run}`;
    const groupId = `duban-int-republish-${run}`;
    await transport.ensureTopics([topic]);
    const ds = await database();
    const event = caseReceived();
    await ds.transaction((tx) => enqueue(tx, topic, [event]));

    // The broker acknowledges, then the relay's transaction fails before it records the publish.
    let failuresLeft = 1;
    const dyingTransport: MessageTransport = Object.assign(Object.create(transport), {
      publish: async (t: string, messages: OutgoingMessage[]) => {
        await transport.publish(t, messages);
        if (failuresLeft-- > 0) throw new Error('process died after publish');
      },
    });
    const relay = new OutboxRelay({ dataSource: ds, transport: dyingTransport, logger, pollIntervalMs: 50 });
    await expect(relay.publishBatch()).rejects.toThrow('process died after publish');
    expect(await relay.publishBatch()).toBe(1);

    const { consumer, applied } = recordingConsumer(ds, topic, groupId);
    await consumer.start();
    await eventually(async () => (consumer.stats.applied + consumer.stats.duplicates >= 2 ? true : undefined));
    const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM effects WHERE event_id = $1', [event.id]);
    expect(n).toBe(1);
    expect(applied).toEqual([event.id]);
    expect(consumer.stats.duplicates).toBe(1);
    await transport.stopConsuming();
  });

  it('applies a redelivered event once and keeps one case in order', async () => {
    const topic = `int.redelivery.${run}`;
    const groupId = `duban-int-redelivery-${run}`;
    await transport.ensureTopics([topic]);
    const ds = await database();
    const caseId = randomUUID();
    const events = Array.from({ length: 20 }, () => caseReceived(caseId));
    const message = (e: AnyEnvelope) => ({ key: e.caseId, value: JSON.stringify(e), headers: {} });
    // Every event arrives twice, the copies interleaved as a retrying producer would send them.
    await transport.publish(topic, events.flatMap((e) => [message(e), message(e)]));

    const { consumer, applied: order } = recordingConsumer(ds, topic, groupId);
    await consumer.start();
    await eventually(async () => (consumer.stats.applied + consumer.stats.duplicates >= 40 ? true : undefined));
    expect(consumer.stats.applied).toBe(20);
    expect(consumer.stats.duplicates).toBe(20);
    expect(order).toEqual(events.map((e) => e.id));
    const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM effects WHERE case_id = $1', [caseId]);
    expect(n).toBe(20);
    await transport.stopConsuming();
  });

  it('applies the batches one fetch brings for several partitions in one transaction, each case in order', async () => {
    const topic = `int.partitions.${run}`;
    const groupId = `duban-int-partitions-${run}`;
    await transport.ensureTopics([topic]);
    const ds = await database();
    // Three cases, one on each of the topic's three partitions, ten events each, there before the consumer starts.
    const cases = [randomUUID(), randomUUID(), randomUUID()];
    const events = cases.map((caseId) => Array.from({ length: 10 }, () => caseReceived(caseId)));
    const kafka = new Kafka({ clientId: 'int-spec-writer', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: events.flatMap((list, partition) => list.map((e) => ({ partition, key: e.caseId, value: JSON.stringify(e) }))),
    });
    await producer.disconnect();

    const { consumer, applied } = recordingConsumer(ds, topic, groupId);
    await consumer.start();
    await eventually(async () => (consumer.stats.applied >= 30 ? true : undefined));
    for (const list of events) expect(applied.filter((id) => list.some((e) => e.id === id))).toEqual(list.map((e) => e.id));
    // The fetch answered for three partitions; their batches were applied together, not one transaction each.
    expect(consumer.stats.transactions).toBeLessThan(3);
    expect(consumer.stats.applied).toBe(30);
    await transport.stopConsuming();
  });

  it('dead-letters poison messages after retries and goes on with the next one', async () => {
    const topic = `int.poison.${run}`;
    const groupId = `duban-int-poison-${run}`;
    await transport.ensureTopics([topic]);
    const ds = await database();
    const caseId = randomUUID();
    const failing = caseReceived(caseId);
    const healthy = caseReceived(caseId);
    const invalid = { ...caseReceived(caseId), data: { title: 42 } };
    await transport.publish(topic, [
      { key: caseId, value: 'this is not json', headers: {} },
      { key: caseId, value: JSON.stringify(invalid), headers: {} },
      { key: caseId, value: JSON.stringify(failing), headers: {} },
      { key: caseId, value: JSON.stringify(healthy), headers: {} },
    ]);

    let attempts = 0;
    const consumer = new IdempotentConsumer({
      groupId,
      topics: [topic],
      dataSource: ds,
      transport,
      logger,
      maxAttempts: 3,
      baseDelayMs: 20,
      handlers: {
        [CaseReceived.type]: async (e, tx) => {
          if (e.id === failing.id) {
            attempts += 1;
            throw new Error('handler cannot process this event');
          }
          await tx.query('INSERT INTO effects (case_id, event_id) VALUES ($1, $2)', [e.caseId, e.id]);
        },
      },
    });
    await consumer.start();
    await eventually(async () => (consumer.stats.applied === 1 ? true : undefined));

    expect(attempts).toBe(3);
    expect(consumer.stats.deadLettered).toBe(3);
    const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM effects WHERE event_id = $1', [healthy.id]);
    expect(n).toBe(1);
    // The failed attempts left no half-applied effect and no processed mark behind.
    const marks = await ds.query('SELECT event_id FROM processed_events WHERE consumer_group = $1', [groupId]);
    expect(marks.map((m: { event_id: string }) => m.event_id)).toEqual([healthy.id]);

    const dead = await readTopic(consumer.dlqTopic, 3);
    expect(dead).toHaveLength(3);
    expect(dead.map((m) => m.headers['dlq-reason'])).toEqual([
      expect.stringContaining('not JSON'),
      expect.stringContaining('invalid event'),
      'handler cannot process this event',
    ]);
    expect(dead[2].headers['dlq-attempts']).toBe('3');
    expect(dead.every((m) => m.headers['dlq-original-topic'] === topic)).toBe(true);
    await transport.stopConsuming();
  });
});
