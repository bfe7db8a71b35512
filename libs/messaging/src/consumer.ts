import { context, propagation, trace } from '@opentelemetry/api';
import { AnyEnvelope, assertValid, dlqTopicOf, eventDefinition, ValidationFailed } from '@duban/contracts';
import { isTransientDatabaseError } from '@duban/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { backoffDelay, sleep } from './backoff';
import { IncomingMessage, MessageTransport } from './port';

export type EventHandler = (event: AnyEnvelope, tx: EntityManager) => Promise<void>;

export interface IdempotentConsumerOptions {
  groupId: string;
  topics: string[];
  /** Handlers by event type; events of other types are skipped (a consumer reads only what it needs). */
  handlers: Record<string, EventHandler>;
  dataSource: DataSource;
  transport: MessageTransport;
  logger: Logger;
  /** Attempts for a failing handler before the message goes to the dead-letter topic. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called after a transaction committed, e.g. to wake the outbox relay. */
  afterCommit?: () => void;
  /** Told the outcome of every message, e.g. to count it in a metric. */
  observe?: (outcome: keyof ConsumerStats) => void;
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
}

/**
 * Applies each event at most once per consumer group: the event id is recorded
 * in `processed_events` in the same transaction as the handler's effect (and
 * any outbox rows it writes). Failing handlers are retried with backoff, then
 * the message is dead-lettered and consumption goes on. An unreachable
 * database is not the message's fault: it is retried until the database is
 * back (or the consumer stops), never dead-lettered.
 */
export class IdempotentConsumer {
  readonly stats: ConsumerStats = { applied: 0, duplicates: 0, skipped: 0, deadLettered: 0, retries: 0 };
  private stopping = false;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: IdempotentConsumerOptions) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
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
    let event: AnyEnvelope;
    try {
      event = this.parse(message);
    } catch (error) {
      await this.deadLetter(message, error, 1);
      return;
    }
    const handler = this.options.handlers[event.type];
    if (!handler) {
      this.count('skipped');
      return;
    }
    // Kafka's instrumentation already runs this inside the consumer span; a transport
    // without one (the PostgreSQL bus) continues the trace from the message headers.
    const traced = trace.getSpan(context.active()) ? context.active() : propagation.extract(context.active(), message.headers);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await context.with(traced, () => this.apply(event, handler));
        return;
      } catch (error) {
        if (this.stopping) throw error;
        const transient = isTransientDatabaseError(error);
        if (!transient && attempt >= this.maxAttempts) {
          await this.deadLetter(message, error, attempt);
          return;
        }
        this.count('retries');
        const delay = backoffDelay(attempt, this.baseDelayMs, this.maxDelayMs);
        this.options.logger.warn(
          { err: error, eventId: event.id, eventType: event.type, attempt, transient, retryInMs: delay },
          'event handler failed; retrying',
        );
        await sleep(delay);
      }
    }
  }

  private count(outcome: keyof ConsumerStats): void {
    this.stats[outcome] += 1;
    this.options.observe?.(outcome);
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

  private async apply(event: AnyEnvelope, handler: EventHandler): Promise<void> {
    const applied = await this.options.dataSource.transaction(async (tx) => {
      const inserted: unknown[] = await tx.query(
        `INSERT INTO processed_events (consumer_group, event_id, event_type) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [this.options.groupId, event.id, event.type],
      );
      if (inserted.length === 0) return false;
      await handler(event, tx);
      return true;
    });
    if (applied) {
      this.count('applied');
      this.options.afterCommit?.();
    } else {
      this.count('duplicates');
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
