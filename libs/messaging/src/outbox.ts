import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AnyEnvelope } from '@duban/contracts';
import { Attr } from '@duban/telemetry';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { backoffDelay, WakeableSleep } from './backoff';
import { MessageTransport, OutgoingMessage } from './port';

const enqueuing = new WeakSet<EntityManager>();
const tracer = trace.getTracer('duban-messaging');

/** Whether this transaction wrote outbox rows (only then is the relay worth waking after its commit). */
export function enqueuedIn(tx: EntityManager): boolean {
  return enqueuing.has(tx);
}

/**
 * Writes events into the outbox inside the caller's transaction, together
 * with the state change they describe. The current trace context is stored
 * with each row so that the relay publishes the event as part of the same trace.
 */
export async function enqueue(tx: EntityManager, topic: string, events: AnyEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  enqueuing.add(tx);
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  const values: unknown[] = [];
  const rows = events.map((e, i) => {
    values.push(e.id, topic, e.caseId, e.type, JSON.stringify(e), JSON.stringify(headers));
    const p = i * 6;
    return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}::jsonb, $${p + 6}::jsonb)`;
  });
  await tx.query(
    `INSERT INTO outbox (event_id, topic, message_key, event_type, payload, headers) VALUES ${rows.join(', ')}`,
    values,
  );
}

interface OutboxRow {
  seq: string;
  event_id: string;
  topic: string;
  message_key: string;
  event_type: string;
  payload: AnyEnvelope;
  headers: Record<string, string>;
}

export interface OutboxRelayOptions {
  dataSource: DataSource;
  transport: MessageTransport;
  logger: Logger;
  batchSize?: number;
  pollIntervalMs?: number;
  /** Published rows are kept this long for inspection, then deleted. */
  retentionHours?: number;
}

/**
 * Publishes the outbox in the order rows were written. One relay per service publishes at a
 * time (a transaction-scoped advisory lock), so replicas never reorder a
 * case's events; a crash between publish and marking re-publishes, and
 * consumers drop the duplicate by event id.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private readonly pause = new WakeableSleep();
  private lastCleanup = 0;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retentionHours: number;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 200;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.retentionHours = options.retentionHours ?? 72;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Called after a transaction that enqueued events commits, to publish without waiting for the next poll. */
  wake(): void {
    this.pause.wake();
  }

  /** Finishes the batch in flight, publishes what is left, then stops. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loop;
    await this.drain();
  }

  /** Publishes until the outbox is empty (used at shutdown and by tests). */
  async drain(): Promise<void> {
    while ((await this.publishBatch()) === this.batchSize) {
      /* keep going */
    }
  }

  async pendingCount(): Promise<number> {
    const [row] = await this.options.dataSource.query(
      'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
    );
    return row.n;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const published = await this.publishBatch();
        failures = 0;
        await this.cleanup();
        if (published < this.batchSize) await this.idle(this.pollIntervalMs);
      } catch (error) {
        failures += 1;
        const delay = backoffDelay(failures, 250, 10_000);
        this.options.logger.warn({ err: error, retryInMs: delay }, 'outbox relay failed; will retry');
        await this.idle(delay);
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return this.pause.sleep(ms);
  }


  /** Returns how many rows it published. */
  async publishBatch(): Promise<number> {
    return this.options.dataSource.transaction(async (tx) => {
      // The lock and the rows in one statement (no rows without the lock). A CTE with a volatile
      // function is evaluated once, before the rows are read.
      const rows: OutboxRow[] = await tx.query(
        `WITH relay AS (SELECT pg_try_advisory_xact_lock(hashtext('duban.outbox-relay')) AS locked)
         SELECT o.seq, o.event_id, o.topic, o.message_key, o.event_type, o.payload, o.headers
           FROM relay, LATERAL (SELECT * FROM outbox WHERE relay.locked AND published_at IS NULL ORDER BY seq LIMIT $1) o
          ORDER BY o.seq`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      await this.publishRows(rows);
      await tx.query('UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])', [rows.map((r) => r.seq)]);
      return rows.length;
    });
  }

  private async cleanup(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    await this.options.dataSource.query(
      `DELETE FROM outbox WHERE published_at < now() - make_interval(hours => $1)`,
      [this.retentionHours],
    );
  }

  /**
   * One publish per topic for the whole batch, in outbox order (so each case's events keep
   * their order on its partition). Each message gets a producer span, child of the trace
   * context its row was written in, and carries that span's context, so the consumers
   * continue the case's trace.
   */
  private async publishRows(rows: OutboxRow[]): Promise<void> {
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const row of rows) {
      const parent = propagation.extract(ROOT_CONTEXT, row.headers);
      const span = tracer.startSpan(
        `publish ${row.topic}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'send',
            'messaging.destination.name': row.topic,
            'messaging.message.id': row.event_id,
            [Attr.eventType]: row.event_type,
            [Attr.caseId]: row.message_key,
          },
        },
        parent,
      );
      const headers: Record<string, string> = { ...row.headers, 'event-id': row.event_id, 'event-type': row.event_type };
      propagation.inject(trace.setSpan(parent, span), headers);
      span.end();
      const messages = byTopic.get(row.topic) ?? [];
      messages.push({ key: row.message_key, value: JSON.stringify(row.payload), headers });
      byTopic.set(row.topic, messages);
    }
    await Promise.all([...byTopic].map(([topic, messages]) => this.options.transport.publish(topic, messages)));
  }
}
