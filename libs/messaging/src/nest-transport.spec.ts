import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { AnyEnvelope, CaseAccepted, CaseAssigned, CaseReceived, CaseResolved, newEvent, WorkspaceOpened } from '@duban/contracts';
import { randomUUID } from 'node:crypto';
import { lastValueFrom } from 'rxjs';
import type { EntityManager } from 'typeorm';
import { BatchEventHandler, EventHandler } from './consumer';
import { EventBatchPattern, EventContext, EventsController, EventsServer, TransactionOutbox } from './nest-transport';

/**
 * The Nest side of the project's transport, without a broker or a database: which handlers Nest
 * registers, in which order they run, what they are given, and which errors come back. The
 * transaction is an opaque object here; the consumer's guarantees are the contract suite's
 * (messaging.int-spec.ts, against Kafka and PostgreSQL).
 */
const calls: string[] = [];

@Injectable()
class Recorder {
  note(what: string): void {
    calls.push(what);
  }
}

@EventsController()
class FirstEvents {
  @EventPattern(CaseAssigned.type)
  async assigned(@Payload() event: AnyEnvelope, @Ctx() { tx }: EventContext): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    calls.push(`first ${event.type} ${(tx as unknown as { name: string }).name}`);
  }
}

class TransientError extends Error {
  code = '57P01';
}

@EventsController()
class SecondEvents {
  constructor(@Inject(Recorder) private readonly recorder: Recorder) {}

  @EventPattern(CaseAssigned.type)
  assigned(@Payload() event: AnyEnvelope): void {
    this.recorder.note(`second ${event.type}`);
  }

  @EventBatchPattern([CaseAccepted.type, CaseResolved.type])
  async progress(@Payload() events: AnyEnvelope[]): Promise<void> {
    this.recorder.note(`batch ${events.map((e) => e.type).join(',')}`);
  }

  @EventPattern(CaseReceived.type)
  async received(): Promise<void> {
    throw new TransientError('the database went away');
  }
}

const tx = { name: 'tx-1' } as unknown as EntityManager;
const event = (type: typeof CaseAssigned | typeof CaseAccepted | typeof CaseResolved | typeof CaseReceived) =>
  ({ id: randomUUID(), type: type.type, caseId: randomUUID() }) as unknown as AnyEnvelope;

async function handlersOf(...controllers: (new (...args: never[]) => unknown)[]) {
  @Module({ controllers, providers: [Recorder] })
  class TestModule {}
  const server = new EventsServer();
  const app = await NestFactory.createMicroservice(TestModule, { strategy: server, logger: false });
  await app.init();
  return { server, handlers: server.eventHandlers(), close: () => app.close() };
}

describe('EventsServer (the project transport as a Nest custom transport strategy)', () => {
  beforeEach(() => calls.splice(0));

  it('runs the handlers of one type one after the other, in the order the module lists the controllers, with the transaction', async () => {
    const { handlers, close } = await handlersOf(FirstEvents, SecondEvents);
    await (handlers[CaseAssigned.type] as EventHandler)(event(CaseAssigned), tx);
    // The first handler waits before it writes; the second still runs after it.
    expect(calls).toEqual([`first ${CaseAssigned.type} tx-1`, `second ${CaseAssigned.type}`]);
    await close();
  });

  it('hands a batch handler its run of events, one object for all its types, and subscribes to the topics of the handled types', async () => {
    const { server, handlers, close } = await handlersOf(FirstEvents, SecondEvents);
    const accepted = handlers[CaseAccepted.type] as BatchEventHandler;
    expect(handlers[CaseResolved.type]).toBe(accepted);
    await accepted.batch([event(CaseAccepted), event(CaseResolved), event(CaseAccepted)], tx);
    expect(calls).toEqual([`batch ${CaseAccepted.type},${CaseResolved.type},${CaseAccepted.type}`]);
    expect(server.topics()).toEqual([CaseReceived.topic, CaseAssigned.topic, CaseAccepted.topic].filter((t, i, all) => all.indexOf(t) === i).sort());
    await close();
  });

  it('fails with the error the handler threw, so the consumer can tell an outage from a poison event', async () => {
    const { handlers, close } = await handlersOf(SecondEvents);
    await expect((handlers[CaseReceived.type] as EventHandler)(event(CaseReceived), tx)).rejects.toBeInstanceOf(TransientError);
    await close();
  });

  it('refuses request-response patterns and event types that the contracts do not define', async () => {
    @EventsController()
    class Asks {
      @MessagePattern('case.count')
      count(): number {
        return 1;
      }
    }
    await expect(handlersOf(Asks)).rejects.toThrow(/events only/);
    @EventsController()
    class Unknown {
      @EventPattern('case.teleported')
      teleported(): void {}
    }
    await expect(handlersOf(Unknown)).rejects.toThrow(/no such event/);
  });
});

describe('TransactionOutbox (a ClientProxy over the outbox)', () => {
  it('writes an emitted event into the transaction it is bound to, and refuses a type that is not the event’s', async () => {
    const statements: { sql: string; values: unknown[] }[] = [];
    const recording = { query: async (sql: string, values: unknown[]) => statements.push({ sql, values }) } as unknown as EntityManager;
    const outbox = new TransactionOutbox('duban.collaboration.events', recording);
    const opened = newEvent(WorkspaceOpened, { caseId: randomUUID(), unitId: 'housing', data: { workspaceId: randomUUID(), unitId: 'housing', handler: null } });
    await lastValueFrom(outbox.emit(WorkspaceOpened.type, opened));
    expect(statements).toHaveLength(1);
    expect(statements[0].sql).toMatch(/^INSERT INTO outbox/);
    expect(statements[0].values.slice(0, 4)).toEqual([opened.id, 'duban.collaboration.events', opened.caseId, WorkspaceOpened.type]);
    await expect(lastValueFrom(outbox.emit(CaseAssigned.type, opened))).rejects.toThrow(/of a case.workspace-opened event/);
  });
});
