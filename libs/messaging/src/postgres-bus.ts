import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { backoffDelay, sleep } from './backoff';
import { IncomingMessage, MessageTransport, OutgoingMessage, Subscription } from './port';

/**
 * The standalone mode's message log: an append-only table of messages and a
 * table of committed offsets per consumer group, in PostgreSQL. Published
 * messages survive a kill -9 exactly like the outbox they came from.
 */
export class BusTables1763900000050 implements MigrationInterface {
  name = 'BusTables1763900000050';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bus_messages (
        seq          bigserial PRIMARY KEY,
        topic        text NOT NULL,
        partition    integer NOT NULL,
        message_key  text NOT NULL,
        value        text NOT NULL,
        headers      jsonb NOT NULL DEFAULT '{}'::jsonb,
        published_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX bus_messages_read ON bus_messages (topic, partition, seq)');
    await q.query(`
      CREATE TABLE bus_offsets (
        group_id  text NOT NULL,
        topic     text NOT NULL,
        partition integer NOT NULL,
        last_seq  bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (group_id, topic, partition)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE bus_offsets');
    await q.query('DROP TABLE bus_messages');
  }
}

/** Reading a topic in publication order (one reader per group and topic, across its partitions). */
export class BusTopicOrder1763900000051 implements MigrationInterface {
  name = 'BusTopicOrder1763900000051';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX bus_messages_topic_seq ON bus_messages (topic, seq)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX bus_messages_topic_seq');
  }
}

/** Every migration of the bus's database, in order. */
export const BUS_MIGRATIONS = [BusTables1763900000050, BusTopicOrder1763900000051];

export interface PostgresBusOptions {
  dataSource: DataSource;
  logger: Logger;
  partitions?: number;
  pollIntervalMs?: number;
  batchSize?: number;
}

interface Row {
  seq: string;
  partition: number;
  message_key: string;
  value: string;
  headers: Record<string, string>;
}

/** Same partitioning idea as Kafka: one key always lands on one partition. */
export function partitionOf(key: string, partitions: number): number {
  return createHash('md5').update(key).digest().readUInt32BE(0) % partitions;
}

/**
 * The in-process adapter of the messaging port (standalone mode), with the
 * same guarantees as the Kafka adapter: per-key order within a topic,
 * at-least-once delivery to each group (a message is acknowledged only after
 * its handler resolved; a rejection redelivers it), and new groups start from
 * the beginning. One process consumes a group at a time.
 */
export class PostgresBus implements MessageTransport {
  private readonly partitions: number;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly published = new EventEmitter();
  private readonly loops: Promise<void>[] = [];
  private stopping = false;

  constructor(private readonly options: PostgresBusOptions) {
    this.partitions = options.partitions ?? 6;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.batchSize = options.batchSize ?? 100;
    this.published.setMaxListeners(0);
  }

  async ensureTopics(): Promise<void> {
    // Topics are implicit: a row names its topic.
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const values: unknown[] = [];
    const rows = messages.map((m, i) => {
      values.push(topic, partitionOf(m.key, this.partitions), m.key, m.value, JSON.stringify(m.headers));
      const p = i * 5;
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}::jsonb)`;
    });
    // Sequence numbers are drawn at insert, not at commit: without this lock a
    // later insert could commit first, a reader would move past it, and the
    // earlier one would never be delivered. One topic's publishes commit in order.
    await this.options.dataSource.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`duban.bus:${topic}`]);
      await tx.query(
        `INSERT INTO bus_messages (topic, partition, message_key, value, headers) VALUES ${rows.join(', ')}`,
        values,
      );
    });
    this.published.emit(topic);
  }

  async subscribe(subscription: Subscription): Promise<void> {
    for (const topic of subscription.topics) {
      await this.options.dataSource.query(
        `INSERT INTO bus_offsets (group_id, topic, partition) SELECT $1, $2, p FROM generate_series(0, $3 - 1) AS p ON CONFLICT DO NOTHING`,
        [subscription.groupId, topic, this.partitions],
      );
      this.loops.push(this.consume(subscription, topic));
    }
  }

  /** Deletes messages every group has consumed, once they are older than a day (kept that long for inspection). */
  async prune(): Promise<number> {
    const [, deleted] = await this.options.dataSource.query(`
      DELETE FROM bus_messages m
       USING (SELECT topic, partition, min(last_seq) AS done FROM bus_offsets GROUP BY topic, partition) o
       WHERE m.topic = o.topic AND m.partition = o.partition AND m.seq <= o.done
         AND m.published_at < now() - interval '1 day'`);
    return deleted ?? 0;
  }

  async ready(): Promise<boolean> {
    try {
      await this.options.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async stopConsuming(): Promise<void> {
    this.stopping = true;
    this.published.emit('stop');
    await Promise.allSettled(this.loops.splice(0));
  }

  async close(): Promise<void> {
    await this.stopConsuming();
  }

  /**
   * One reader per group and topic: it reads the topic in publication order (which keeps every
   * key's order), hands what it read to the subscription as one batch and then records the
   * offset once. The offsets are kept per partition (as Kafka's are) and read once at start: one
   * process consumes a group at a time; a message at or below its partition's offset was handled.
   */
  private async consume(subscription: Subscription, topic: string): Promise<void> {
    const { dataSource, logger } = this.options;
    let done: Map<number, bigint> | undefined;
    let failures = 0;
    while (!this.stopping) {
      try {
        done ??= await this.offsets(subscription.groupId, topic);
        const from = [...done.values()].reduce((a, b) => (a < b ? a : b));
        const rows: Row[] = await dataSource.query(
          `SELECT seq, partition, message_key, value, headers FROM bus_messages
            WHERE topic = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
          [topic, from.toString(), this.batchSize],
        );
        const fresh = rows.filter((r) => BigInt(r.seq) > (done!.get(r.partition) ?? 0n));
        const messages = fresh.map((row): IncomingMessage => ({
          topic,
          partition: row.partition,
          offset: row.seq,
          key: row.message_key,
          value: row.value,
          headers: row.headers,
        }));
        if (subscription.handleBatch && messages.length > 0) {
          if (this.stopping) return;
          await subscription.handleBatch(messages);
        } else {
          for (const message of messages) {
            if (this.stopping) return;
            await subscription.handle(message);
            await this.acknowledge(subscription.groupId, topic, done, BigInt(message.offset), message.partition);
          }
        }
        if (rows.length > 0) await this.acknowledge(subscription.groupId, topic, done, BigInt(rows[rows.length - 1].seq));
        if (subscription.lag) {
          // A short read reached the end; after a full one, what is left is counted (bounded).
          const behind =
            rows.length < this.batchSize
              ? 0
              : ((
                  await dataSource.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM bus_messages WHERE topic = $1 AND seq > $2 LIMIT 100000) x`, [
                    topic,
                    rows[rows.length - 1].seq,
                  ])
                )[0].n as number);
          subscription.lag(topic, undefined, behind);
        }
        failures = 0;
        if (rows.length < this.batchSize) await this.nextPublish(topic);
      } catch (error) {
        // Not acknowledged: the same messages are delivered again after a pause, as Kafka would.
        failures += 1;
        logger.warn({ err: error, topic, group: subscription.groupId }, 'delivery failed; redelivering');
        await sleep(backoffDelay(failures, 200, 5000));
      }
    }
  }

  private async offsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    const rows: { partition: number; last_seq: string }[] = await this.options.dataSource.query(
      'SELECT partition, last_seq FROM bus_offsets WHERE group_id = $1 AND topic = $2',
      [groupId, topic],
    );
    return new Map(rows.map((r) => [r.partition, BigInt(r.last_seq)]));
  }

  /** Everything up to `seq` handled: of one partition, or (no partition) of every partition of the topic. */
  private async acknowledge(groupId: string, topic: string, done: Map<number, bigint>, seq: bigint, partition?: number): Promise<void> {
    await this.options.dataSource.query(
      `UPDATE bus_offsets SET last_seq = greatest(last_seq, $3) WHERE group_id = $1 AND topic = $2 AND ($4::int IS NULL OR partition = $4)`,
      [groupId, topic, seq.toString(), partition ?? null],
    );
    for (const p of partition === undefined ? done.keys() : [partition]) {
      if ((done.get(p) ?? 0n) < seq) done.set(p, seq);
    }
  }

  private nextPublish(topic: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.published.off(topic, done);
        this.published.off('stop', done);
        resolve();
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      this.published.once(topic, done);
      this.published.once('stop', done);
    });
  }
}
