import { Admin, Consumer, IHeaders, Kafka, logLevel, LogEntry, Partitioners, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { backoffDelay, sleep } from './backoff';
import { MessageTransport, OutgoingMessage, Subscription } from './port';

export interface KafkaTransportOptions {
  clientId: string;
  brokers: string[];
  logger: Logger;
  /** Partitions for topics this service creates; one case stays on one partition. */
  partitions?: number;
  /** Replicas of topics this service creates (1 on a single broker; 3 in production). */
  replicationFactor?: number;
  /**
   * How many partitions one consumer works on at once (each still in order); by default all it
   * reads, so a fetch's batches reach the idempotent consumer together and share a transaction.
   */
  partitionsConsumedConcurrently?: number;
  /** Most messages handed to a subscription at once (one transaction in the idempotent consumer). */
  maxBatchSize?: number;
  /**
   * A fetch waits for this many bytes (or fetchMaxWaitMs) before it answers, so a consumer under
   * load gets batches instead of one message per request; 16 KiB (about ten events).
   */
  fetchMinBytes?: number;
  /** Longest a fetch waits for fetchMinBytes: the latency one hop may add when little happens; 100 ms. */
  fetchMaxWaitMs?: number;
  /**
   * Offsets of handled messages are committed at most this often (and when consumption stops),
   * not after every batch: a crash redelivers at most this much, which the idempotent consumer
   * drops as duplicates; 1000 ms.
   */
  commitIntervalMs?: number;
}

/**
 * kafkajs 2.2.4's request queue re-arms a timer with a negative delay after every request when
 * nothing is pending, so every connection runs a 1 ms timer loop forever (tulios/kafkajs#1556,
 * the fix of #1667 is unreleased): on this project's machines 17 % of an idle service's CPU. With
 * nothing pending there is nothing to check — `push` schedules the check when it queues a
 * request — so the loop is cut there; the throttled path is kept as it is. Applied once, only to
 * the version it was written for (kafkajs is pinned in package.json).
 */
export function patchKafkajsIdleLoop(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require('kafkajs/package.json') as { version: string };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: Record<string, unknown> & { scheduleCheckPendingRequests: () => void } };
  const proto = RequestQueue.prototype;
  if (version !== '2.2.4' || proto.duban_idlePatched) return Boolean(proto.duban_idlePatched);
  const original = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function (this: { pending: unknown[]; throttleCheckTimeoutId?: unknown }) {
    if (this.pending.length === 0 && !this.throttleCheckTimeoutId) return;
    original.call(this);
  };
  proto.duban_idlePatched = true;
  return true;
}
function headerValues(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const v = Array.isArray(value) ? value[value.length - 1] : value;
    if (v !== undefined) out[name] = v.toString();
  }
  return out;
}

/** The Kafka adapter of the messaging port (kafkajs). */
export class KafkaTransport implements MessageTransport {
  private readonly kafka: Kafka;
  private producer?: Producer;
  private producerConnecting?: Promise<Producer>;
  private admin?: Admin;
  private readonly consumers: { consumer: Consumer; commit: () => Promise<void>; stopping: boolean; timer?: NodeJS.Timeout }[] = [];
  private readonly knownTopics = new Set<string>();

  constructor(private readonly options: KafkaTransportOptions) {
    const log = options.logger.child({ component: 'kafkajs' });
    if (!patchKafkajsIdleLoop()) log.warn('kafkajs is not the version its idle-loop fix was written for; idle consumers may spin a 1 ms timer');
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: 3000,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log: entry }: LogEntry) => {
          const { message, ...rest } = entry;
          if (level <= logLevel.ERROR) log.error(rest, message);
          else if (level === logLevel.WARN) log.warn(rest, message);
          else log.info(rest, message);
        },
    });
  }

  /**
   * Creates missing topics and waits until they have leaders. Several services
   * start together and create the same topics (each ensures what it consumes),
   * so losing a creation race, or asking before the leader is elected, is
   * retried rather than fatal.
   */
  async ensureTopics(topics: string[]): Promise<void> {
    const missing = topics.filter((t) => !this.knownTopics.has(t));
    if (missing.length === 0) return;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const admin = await this.getAdmin();
        const existing = new Set(await admin.listTopics());
        const toCreate = missing.filter((t) => !existing.has(t));
        if (toCreate.length > 0) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: toCreate.map((topic) => ({
              topic,
              numPartitions: this.options.partitions ?? 6,
              replicationFactor: this.options.replicationFactor ?? 1,
            })),
          });
        }
        await admin.fetchTopicMetadata({ topics: missing });
        missing.forEach((t) => this.knownTopics.add(t));
        return;
      } catch (error) {
        if (attempt >= 15) throw error;
        await sleep(backoffDelay(attempt, 200, 3000));
      }
    }
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const producer = await this.getProducer();
    await producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } })),
    });
  }

  async subscribe(subscription: Subscription): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: subscription.groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      minBytes: this.options.fetchMinBytes ?? 16_384,
      maxWaitTimeInMs: this.options.fetchMaxWaitMs ?? 100,
      retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 10_000 },
    });
    // The last handled offset per partition since the last commit: committed every
    // commitIntervalMs (also while nothing arrives) and when consumption stops.
    const handled = new Map<string, { topic: string; partition: number; offset: string }>();
    const commit = async () => {
      if (handled.size === 0) return;
      const offsets = [...handled.values()].map((o) => ({ topic: o.topic, partition: o.partition, offset: (BigInt(o.offset) + 1n).toString() }));
      handled.clear();
      // Best effort: a commit lost to a rebalance means the next owner gets those messages again (duplicates, dropped).
      await consumer.commitOffsets(offsets).catch((error: Error) => this.options.logger.warn({ err: error, groupId: subscription.groupId }, 'offset commit failed'));
    };
    // After a rebalance, what was handled on partitions now owned by another member is not committed from here.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = payload.memberAssignment as Record<string, number[]>;
      for (const [key, o] of handled) if (!assigned[o.topic]?.includes(o.partition)) handled.delete(key);
    });
    const interval = this.options.commitIntervalMs ?? 1000;
    const entry: (typeof this.consumers)[number] = { consumer, commit, stopping: false };
    if (interval > 0) {
      entry.timer = setInterval(() => void commit(), interval);
      entry.timer.unref();
    }
    this.consumers.push(entry);
    await consumer.connect();
    // A new group starts at the beginning, so events published before it first joined are not lost.
    await consumer.subscribe({ topics: subscription.topics, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? (this.options.partitions ?? 6) * subscription.topics.length,
      // kafkajs's auto-commit sends an offset commit after every batch of every partition (one
      // request per message at a low rate); committed here at most once per commitIntervalMs.
      autoCommit: false,
      // Offsets are resolved only up to what was handled: a batch cut short by a stop or a
      // rebalance is delivered again from its first unhandled message.
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const done = (offset: string) => {
          resolveOffset(offset);
          handled.set(`${batch.topic}\u0000${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset });
        };
        const messages = batch.messages.map((message) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          headers: headerValues(message.headers),
        }));
        const chunk = this.options.maxBatchSize ?? 200;
        for (let i = 0; i < messages.length; i += chunk) {
          if (!isRunning() || isStale()) return;
          const slice = messages.slice(i, i + chunk);
          if (subscription.handleBatch) {
            await subscription.handleBatch(slice);
            done(slice[slice.length - 1].offset);
          } else {
            for (const message of slice) {
              await subscription.handle(message);
              done(message.offset);
            }
          }
          subscription.lag?.(batch.topic, batch.partition, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(slice[slice.length - 1].offset) - 1n)));
          // While stopping, the batch in flight commits itself before the consumer leaves its group.
          if (interval === 0 || entry.stopping) await commit();
          await heartbeat();
        }
      },
    });
  }

  async ready(): Promise<boolean> {
    try {
      const admin = await this.getAdmin();
      await admin.describeCluster();
      return true;
    } catch {
      return false;
    }
  }

  async stopConsuming(): Promise<void> {
    await Promise.allSettled(
      this.consumers.splice(0).map(async (entry) => {
        entry.stopping = true;
        clearInterval(entry.timer);
        await entry.commit();
        await entry.consumer.disconnect();
      }),
    );
  }

  async close(): Promise<void> {
    await this.stopConsuming();
    await Promise.allSettled([this.producer?.disconnect(), this.admin?.disconnect()]);
  }

  private async getProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.producerConnecting ??= (async () => {
      // Not kafkajs's idempotent producer: with concurrent sends (the relay sends different
      // cases in parallel) it rolls a failed request's sequence numbers back while another
      // send to the same partition reuses them, so when the broker dies mid-request the broker
      // takes a later message for a duplicate and drops it while send() resolves. Seen in the
      // broker-kill end-to-end test. Plain at-least-once is what the design relies on anyway:
      // every resolved send was written (acks -1), and consumers drop redelivered event ids.
      const producer = this.kafka.producer({
        idempotent: false,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
      });
      await producer.connect();
      this.producer = producer;
      return producer;
    })().finally(() => {
      this.producerConnecting = undefined;
    });
    return this.producerConnecting;
  }

  private async getAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }
}
