import { Context, context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AnyEnvelope, assertValid, dlqTopicOf, eventDefinition, ValidationFailed } from '@duban/contracts';
import { isTransientDatabaseError } from '@duban/persistence';
import { Attr } from '@duban/telemetry';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { backoffDelay, sleep } from './backoff';
import { enqueuedIn } from './outbox';
import { closeCounterBatch, openCounterBatch } from './counters';
import { IncomingMessage, MessageTransport } from './port';

export type EventHandler = (event: AnyEnvelope, tx: EntityManager) => Promise<void>;

/**
 * A handler that applies several events at once, with multi-row SQL: given consecutive events
 * of a delivery (in order, duplicates removed) whose types it is registered for, it must leave
 * the same state as applying them one by one. The consumer gives it runs of one event when it
 * isolates a failure. Register the same object for each of its types: consecutive events with
 * the same batch handler form one run.
 */
export interface BatchEventHandler {
  batch(events: AnyEnvelope[], tx: EntityManager): Promise<void>;
}

/** Marks a multi-row handler (see BatchEventHandler). */
export function batchHandler(batch: BatchEventHandler['batch']): BatchEventHandler {
  return { batch };
}

const isBatchHandler = (h: EventHandler | BatchEventHandler): h is BatchEventHandler => typeof h !== 'function';

/** Applies one event with a registered handler of either kind (tools and tests that drive handlers directly). */
export async function applyOne(handler: EventHandler | BatchEventHandler, event: AnyEnvelope, tx: EntityManager): Promise<void> {
  openCounterBatch(tx);
  await (isBatchHandler(handler) ? handler.batch([event], tx) : handler(event, tx));
  await closeCounterBatch(tx);
}

export interface IdempotentConsumerOptions {
  groupId: string;
  topics: string[];
  /** Handlers by event type; events of other types are skipped (a consumer reads only what it needs). */
  handlers: Record<string, EventHandler | BatchEventHandler>;
  dataSource: DataSource;
  transport: MessageTransport;
  logger: Logger;
  /** Attempts for a failing handler before the message goes to the dead-letter topic. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Most events applied in one transaction (a larger delivery is split). */
  maxBatchSize?: number;
  /** Called after a transaction that wrote outbox rows committed, e.g. to wake the outbox relay. */
  afterCommit?: () => void;
  /** Told the outcome of messages, e.g. to count them in a metric. */
  observe?: (outcome: keyof ConsumerStats, count: number) => void;
  /** Told how many messages are still behind each delivery (Subscription.lag), e.g. for the consumer-lag gauge. */
  observeLag?: (topic: string, partition: number | undefined, behind: number) => void;
}

/** The message cannot be processed, whatever the number of attempts. */
class PoisonMessage extends Error {}

/** Message outcomes, counted per consumer. */
export interface ConsumerStats {
  applied: number;
  duplicates: number;
  skipped: number;
  deadLettered: number;
  retries: number;
  /** Transactions that applied events (one per batch; a batch that failed is applied one event at a time). */
  transactions: number;
}

interface Parsed {
  message: IncomingMessage;
  event: AnyEnvelope;
  handler: EventHandler | BatchEventHandler;
}

/** Where a transaction failed: the run of events [at, end) whose handler threw (-1: not a handler). */
interface Progress {
  failedAt: number;
  failedEnd: number;
}

const tracer = trace.getTracer('duban-messaging');

/**
 * Applies each event at most once per consumer group: the event id is recorded
 * in `processed_events` in the same transaction as the handler's effect (and
 * any outbox rows it writes). A delivery of several messages is applied in one
 * transaction — one processed-events insert for all of them, then each
 * handler in order. If a handler of the batch fails, the batch is rolled back
 * and applied again one event at a time, so only the failing event is retried
 * with backoff and finally dead-lettered while consumption goes on. An
 * unreachable database is not the message's fault: it is retried until the
 * database is back (or the consumer stops), never dead-lettered.
 */
export class IdempotentConsumer {
  readonly stats: ConsumerStats = { applied: 0, duplicates: 0, skipped: 0, deadLettered: 0, retries: 0, transactions: 0 };
  private stopping = false;
  /** Deliveries waiting for the transaction in flight to end; applied together after it. */
  private readonly waiting: { parsed: Parsed[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing?: Promise<void>;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxBatchSize: number;

  constructor(private readonly options: IdempotentConsumerOptions) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
    this.maxBatchSize = options.maxBatchSize ?? 200;
  }

  get dlqTopic(): string {
    return dlqTopicOf(this.options.groupId);
  }

  async start(): Promise<void> {
    await this.options.transport.ensureTopics([...this.options.topics, this.dlqTopic]);
    await this.options.transport.subscribe({
      groupId: this.options.groupId,
      topics: this.options.topics,
      handle: (m) => this.handle(m),
      handleBatch: (m) => this.handleBatch(m),
      ...(this.options.observeLag ? { lag: this.options.observeLag } : {}),
    });
  }

  /**
   * Forgets applied event ids older than the window in which a redelivery can
   * still happen (Kafka's retention is far shorter than the default 14 days).
   */
  static async prune(dataSource: DataSource, olderThanDays = 14): Promise<number> {
    const [, deleted] = await dataSource.query(
      `DELETE FROM processed_events WHERE processed_at < now() - make_interval(days => $1)`,
      [olderThanDays],
    );
    return deleted ?? 0;
  }

  /** Makes in-flight retry loops give up (without acknowledging) so shutdown is not held hostage. */
  stop(): void {
    this.stopping = true;
  }

  async handle(message: IncomingMessage): Promise<void> {
    await this.handleBatch([message]);
  }

  /**
   * Handles messages in delivery order (each key's order as published); resolves once every one is
   * applied, skipped or dead-lettered. Deliveries that arrive together — a broker's fetch answers
   * for several partitions at once, and their batches are handed over concurrently — are applied
   * in one transaction: a delivery that comes while one is being applied waits for the next. Each
   * partition's messages keep their order (a partition never has two deliveries in flight), and
   * events of different partitions concern different cases, so the result is the same as
   * applying the deliveries one after the other, with fewer transactions.
   */
  async handleBatch(messages: IncomingMessage[]): Promise<void> {
    const parsed = await this.parseDelivery(messages);
    if (parsed.length === 0) return;
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ parsed, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Applies the waiting deliveries together until none is left. */
  private async flush(): Promise<void> {
    // One turn of the event loop, for the other partitions' deliveries of the same fetch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.waiting.length > 0) {
      const taken = this.waiting.splice(0);
      const all = taken.flatMap((t) => t.parsed);
      try {
        for (let i = 0; i < all.length; i += this.maxBatchSize) await this.applyBatch(all.slice(i, i + this.maxBatchSize));
        for (const t of taken) t.resolve();
      } catch (error) {
        for (const t of taken) t.reject(error);
      }
    }
    this.flushing = undefined;
  }

  /** The delivery's events with their handlers; unreadable messages dead-lettered, events nobody here handles skipped. */
  private async parseDelivery(messages: IncomingMessage[]): Promise<Parsed[]> {
    const parsed: Parsed[] = [];
    for (const message of messages) {
      let event: AnyEnvelope;
      try {
        event = this.parse(message);
      } catch (error) {
        // Dropping a poison message out of the sequence changes nothing for the others: it never applies.
        await this.deadLetter(message, error, 1);
        continue;
      }
      const handler = this.options.handlers[event.type] as EventHandler | BatchEventHandler | undefined;
      if (handler) parsed.push({ message, event, handler });
      else this.count('skipped');
    }
    return parsed;
  }

  private count(outcome: keyof ConsumerStats, n = 1): void {
    if (n === 0) return;
    this.stats[outcome] += n;
    this.options.observe?.(outcome, n);
  }

  private parse(message: IncomingMessage): AnyEnvelope {
    let raw: unknown;
    try {
      raw = JSON.parse(message.value);
    } catch {
      throw new PoisonMessage('message value is not JSON');
    }
    try {
      const envelope = assertValid(AnyEnvelope, raw);
      const definition = eventDefinition(envelope.type);
      if (definition && this.options.handlers[envelope.type]) {
        if (definition.version !== envelope.version) {
          throw new PoisonMessage(`unsupported version ${envelope.version} of ${envelope.type}`);
        }
        assertValid(definition.schema, raw);
      }
      return envelope;
    } catch (error) {
      if (error instanceof ValidationFailed) throw new PoisonMessage(`invalid event: ${error.message}`);
      throw error;
    }
  }

  /**
   * The batch in one transaction. While the database is unreachable (or a deadlock chose this
   * transaction) the batch is retried as a whole. When a handler fails, the events before it
   * are applied again together, the failing one is retried alone (the batch was its first
   * attempt) and dead-lettered after the last, and the events after it go on as a batch. A
   * multi-row handler's run that failed is halved until the failing event stands alone.
   */
  private async applyBatch(batch: Parsed[]): Promise<void> {
    let rest = batch;
    for (let attempt = 1; rest.length > 0; ) {
      const progress: Progress = { failedAt: -1, failedEnd: -1 };
      try {
        await this.transaction(rest, progress);
        return;
      } catch (error) {
        if (this.stopping) throw error;
        if (isTransientDatabaseError(error)) {
          this.count('retries');
          const delay = backoffDelay(attempt, this.baseDelayMs, this.maxDelayMs);
          this.options.logger.warn({ err: error, events: rest.length, attempt, transient: true, retryInMs: delay }, 'event batch failed; retrying');
          await sleep(delay);
          attempt += 1;
          continue;
        }
        const { failedAt: k, failedEnd: end } = progress;
        if (k < 0) {
          // Not a handler's failure (the batch's own statement): each event on its own.
          for (const one of rest) await this.applyAlone(one);
          return;
        }
        if (k > 0) await this.applyBatch(rest.slice(0, k));
        if (end - k === 1) await this.applyAlone(rest[k], error);
        else {
          // A multi-row handler failed for one of its run: the run is halved until the failing
          // event stands alone (a few transactions, not one per event).
          const mid = k + Math.ceil((end - k) / 2);
          await this.applyBatch(rest.slice(k, mid));
          await this.applyBatch(rest.slice(mid, end));
        }
        rest = rest.slice(end);
        attempt = 1;
      }
    }
  }

  /** One event in its own transaction, retried with backoff; `failedInBatch` is the error of its first attempt, made in a batch. */
  private async applyAlone(one: Parsed, failedInBatch?: unknown): Promise<void> {
    const attemptOnce = async (): Promise<unknown> => {
      try {
        await this.transaction([one], { failedAt: -1, failedEnd: -1 });
        return undefined;
      } catch (error) {
        if (this.stopping) throw error;
        return error ?? new Error('event handler failed');
      }
    };
    let error = failedInBatch ?? (await attemptOnce());
    for (let attempt = 1; error !== undefined; attempt += 1) {
      const transient = isTransientDatabaseError(error);
      if (!transient && attempt >= this.maxAttempts) {
        await this.deadLetter(one.message, error, attempt);
        return;
      }
      this.count('retries');
      const delay = backoffDelay(attempt, this.baseDelayMs, this.maxDelayMs);
      this.options.logger.warn(
        { err: error, eventId: one.event.id, eventType: one.event.type, attempt, transient, retryInMs: delay },
        'event handler failed; retrying',
      );
      await sleep(delay);
      error = await attemptOnce();
    }
  }

  /**
   * One transaction: the batch's event ids recorded at once, then the handler of each new one, in
   * order; consecutive new events of one multi-row handler go to it together.
   */
  private async transaction(batch: Parsed[], progress: Progress): Promise<void> {
    let fresh = 0;
    let enqueued = false;
    await this.options.dataSource.transaction(async (tx) => {
      openCounterBatch(tx);
      const types = new Map(batch.map((p) => [p.event.id, p.event.type]));
      const inserted: { event_id: string }[] = await tx.query(
        `INSERT INTO processed_events (consumer_group, event_id, event_type)
         SELECT $1, id, type FROM unnest($2::uuid[], $3::text[]) AS e(id, type)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [this.options.groupId, [...types.keys()], [...types.values()]],
      );
      const toApply = new Set(inserted.map((r) => r.event_id));
      // A second copy of an event inside one batch is a duplicate like any other.
      const isNew = batch.map((one) => toApply.delete(one.event.id));
      for (let i = 0; i < batch.length; ) {
        if (!isNew[i]) {
          i += 1;
          continue;
        }
        const { handler } = batch[i];
        let end = i + 1;
        if (isBatchHandler(handler)) {
          // The run: the following events up to the first of another handler (duplicates left out).
          while (end < batch.length && (!isNew[end] || batch[end].handler === handler)) end += 1;
        }
        progress.failedAt = i;
        progress.failedEnd = end;
        const run = batch.slice(i, end).filter((_, j) => isNew[i + j]);
        await this.traced(run, () => (isBatchHandler(handler) ? handler.batch(run.map((p) => p.event), tx) : handler(run[0].event, tx)));
        fresh += run.length;
        i = end;
      }
      progress.failedAt = -1;
      // The roll-up counters the handlers added, written last: their rows are locked only until the commit.
      await closeCounterBatch(tx);
      enqueued = enqueuedIn(tx);
    });
    this.count('transactions');
    this.count('applied', fresh);
    this.count('duplicates', batch.length - fresh);
    if (enqueued) this.options.afterCommit?.();
  }

  /**
   * Runs a handler in a consumer span per event that continues the trace the event was published
   * in (its W3C context travels in the message headers), so a case's trace spans every service.
   * Events applied together by a multi-row handler each get their span, for the same time; the
   * handler's statements are children of the first.
   */
  private async traced(run: Parsed[], apply: () => Promise<void>): Promise<void> {
    const spans = run.map((one) => {
      const parent: Context = propagation.extract(ROOT_CONTEXT, one.message.headers);
      const span = tracer.startSpan(
        `process ${one.event.type}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'process',
            'messaging.destination.name': one.message.topic,
            'messaging.consumer.group.name': this.options.groupId,
            'messaging.message.id': one.event.id,
            [Attr.eventType]: one.event.type,
            [Attr.caseId]: one.event.caseId,
            ...(run.length > 1 ? { 'messaging.batch.message_count': run.length } : {}),
          },
        },
        parent,
      );
      return { span, parent };
    });
    try {
      await context.with(trace.setSpan(spans[0].parent, spans[0].span), apply);
    } catch (error) {
      for (const { span } of spans) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      }
      throw error;
    } finally {
      for (const { span } of spans) span.end();
    }
  }

  private async deadLetter(message: IncomingMessage, error: unknown, attempts: number): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    await this.options.transport.publish(this.dlqTopic, [
      {
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          'dlq-reason': reason.slice(0, 1000),
          'dlq-original-topic': message.topic,
          'dlq-original-partition': String(message.partition),
          'dlq-original-offset': message.offset,
          'dlq-consumer-group': this.options.groupId,
          'dlq-attempts': String(attempts),
        },
      },
    ]);
    this.count('deadLettered');
    this.options.logger.error(
      { reason, topic: message.topic, offset: message.offset, dlq: this.dlqTopic },
      'message dead-lettered',
    );
  }
}
