import { applyDecorators, ArgumentsHost, Catch, Controller, RpcExceptionFilter, UseFilters } from '@nestjs/common';
import { BaseRpcContext, ClientProxy, CustomTransportStrategy, EventPattern, MessageHandler, ReadPacket, Server, WritePacket } from '@nestjs/microservices';
import { AnyEnvelope, eventDefinition } from '@duban/contracts';
import { isObservable, lastValueFrom, Observable, throwError } from 'rxjs';
import type { EntityManager } from 'typeorm';
import { BatchEventHandler, EventHandler, IdempotentConsumer, IdempotentConsumerOptions } from './consumer';
import { enqueue } from './outbox';

/**
 * What an event handler is given besides the event (`@Ctx()`): the transaction the idempotent
 * consumer opened for the delivery. Every write of the handler — and the outbox rows of the events
 * it emits (OutboxClient) — goes through it, so the event is applied exactly once with its effects.
 */
export class EventContext extends BaseRpcContext<[EntityManager]> {
  get tx(): EntityManager {
    return this.args[0];
  }
}

/** The Nest transport id of the project's events (outbox → Kafka or the standalone bus → idempotent consumer). */
export const DUBAN_EVENTS = Symbol('duban-events');

const BATCH = 'dubanBatch';

/**
 * A multi-row handler (BatchEventHandler) as a Nest event handler: the method is called with
 * consecutive events of a delivery whose types are among `types` (`@Payload() events: AnyEnvelope[]`),
 * in order, and must leave the state that applying them one by one would leave.
 */
export function EventBatchPattern(types: readonly string[]): MethodDecorator {
  return EventPattern([...types], DUBAN_EVENTS, { [BATCH]: Symbol(types.join(',')) });
}

/**
 * Event handlers fail with the error they threw: the consumer tells a database outage (retried)
 * from a poison event (dead-lettered) by it, where Nest's default filter would hand back
 * `{ status: 'error' }` for any error.
 */
@Catch()
export class RethrowEventErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * A controller of event handlers (`@EventPattern` methods; no routes): the module lists it among its
 * controllers. Its handlers fail with their own errors (RethrowEventErrors).
 */
export function EventsController(): ClassDecorator {
  return applyDecorators(Controller(), UseFilters(RethrowEventErrors));
}

type Handler = MessageHandler<unknown, EventContext, unknown>;

async function call(handler: Handler, data: unknown, tx: EntityManager): Promise<void> {
  const result = await handler(data, new EventContext([tx]));
  if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
}

/**
 * The project's event transport as a `@nestjs/microservices` custom transport strategy. Nest finds
 * the `@EventPattern(type)` methods of the module's controllers and registers them here; `listen`
 * subscribes one idempotent consumer (the service's group) to the topics that produce those types.
 * Every guarantee stays the consumer's (ADR 0004, 0008): a delivery is applied in one transaction,
 * each event once, in order per case, and a poison event goes to the dead-letter topic.
 *
 * Where several controllers handle one type (a service's handler and the shared copy of the case's
 * confidentiality), they run one after the other in the order the module lists its controllers,
 * in the same transaction — not concurrently, as Nest's default chaining would.
 */
export class EventsServer extends Server implements CustomTransportStrategy {
  override readonly transportId = DUBAN_EVENTS;
  private readonly chains = new Map<string, Handler[]>();
  private consumer?: IdempotentConsumer;

  /** Without options it only collects handlers (eventHandlers), for tools and tests; `listen` needs them. */
  constructor(private readonly options?: Omit<IdempotentConsumerOptions, 'handlers' | 'topics'>) {
    super();
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    if (!isEventHandler) throw new Error(`${String(pattern)}: the project's transport carries events only; use @EventPattern`);
    const type = this.normalizePattern(pattern as string);
    if (!eventDefinition(type)) throw new Error(`@EventPattern('${type}'): no such event in @duban/contracts`);
    Object.assign(callback, { isEventHandler, extras });
    this.chains.set(type, [...(this.chains.get(type) ?? []), callback as Handler]);
  }

  /** The handlers by event type, as the idempotent consumer takes them (also what tests drive directly). */
  eventHandlers(): Record<string, EventHandler | BatchEventHandler> {
    const batches = new Map<symbol, BatchEventHandler>();
    const handlers: Record<string, EventHandler | BatchEventHandler> = {};
    for (const [type, chain] of this.chains) {
      const batch = (chain[0].extras?.[BATCH] as symbol | undefined) ?? undefined;
      if (chain.length === 1 && batch) {
        // One object per method, so consecutive events of its types form one run.
        if (!batches.has(batch)) batches.set(batch, { batch: (events: AnyEnvelope[], tx: EntityManager) => call(chain[0], events, tx) });
        handlers[type] = batches.get(batch)!;
        continue;
      }
      handlers[type] = async (event, tx) => {
        for (const handler of chain) await call(handler, handler.extras?.[BATCH] ? [event] : event, tx);
      };
    }
    return handlers;
  }

  /** The topics the handled types are published on. */
  topics(): string[] {
    return [...new Set([...this.chains.keys()].map((type) => eventDefinition(type)!.topic))].sort();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      if (this.chains.size > 0) {
        if (!this.options) throw new Error('EventsServer: listening needs the consumer options');
        this.consumer = new IdempotentConsumer({ ...this.options, topics: this.topics(), handlers: this.eventHandlers() });
        await this.consumer.start();
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Makes the consumer give up retrying; the transport stops consuming after the message in hand. */
  close(): void {
    this.consumer?.stop();
  }

  on(): never {
    throw new Error('the project transport has no server events to listen to');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}

/**
 * A `ClientProxy` that writes events into this service's outbox, in the transaction of the caller
 * (`outbox.in(tx).emit(type, event)`): the relay publishes them after the commit, and nothing is
 * published for a transaction that rolled back. Request-response is not offered: services answer
 * each other through events only.
 */
export class OutboxClient {
  constructor(readonly topic: string) {}

  /** A client bound to one transaction. */
  in(tx: EntityManager): TransactionOutbox {
    return new TransactionOutbox(this.topic, tx);
  }

  /** Writes the events in the transaction (the same as emitting each in turn, in one statement). */
  async write(tx: EntityManager, events: AnyEnvelope[]): Promise<void> {
    await enqueue(tx, this.topic, events);
  }
}

export class TransactionOutbox extends ClientProxy {
  constructor(
    private readonly topic: string,
    private readonly tx: EntityManager,
  ) {
    super();
  }

  async connect(): Promise<void> {}

  async close(): Promise<void> {}

  unwrap<T>(): T {
    return this.tx as T;
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket<AnyEnvelope>): Promise<T> {
    if (packet.pattern !== packet.data.type) throw new Error(`emit('${String(packet.pattern)}') of a ${packet.data.type} event`);
    await enqueue(this.tx, this.topic, [packet.data]);
    return undefined as T;
  }

  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({ err: new Error('the outbox carries events only: emit, do not send'), isDisposed: true });
    return () => undefined;
  }
}
