import { AnyEnvelope, CaseAssigned, CaseReceived, EventOf, newEvent, topicOf } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { DomainServiceDefinition, runDomainService, ServiceRuntime } from '@duban/service-defaults';
import { Attr, setSpanAttributes } from '@duban/telemetry';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DispatchController } from './api/dispatch.controller';
import { decide } from './domain/routing';
import { DispatchRepository } from './infrastructure/dispatch.repository';
import { DispatchSchema1763900000200 } from './infrastructure/1763900000200-dispatch-schema';
import { DemoOrganisation1763900000210 } from './infrastructure/1763900000210-demo-organisation';
import { organisationSeed } from './infrastructure/organisation-seed';

/** 分派: a received case gets exactly one responsible unit and person. */
async function assign(runtime: ServiceRuntime, repository: DispatchRepository, event: AnyEnvelope, tx: EntityManager) {
  const received = event as EventOf<typeof CaseReceived>;
  if (await repository.hasActiveAssignment(tx, received.caseId)) return;
  const { category, tier } = received.data;
  const decision = decide(category, await repository.rulesFor(tx, category), await repository.units(tx), await repository.posts(tx));
  const assignmentId = randomUUID();
  setSpanAttributes({ [Attr.caseId]: received.caseId, [Attr.unitId]: decision.unit.id });
  await repository.insertAssignment(tx, { id: assignmentId, caseId: received.caseId, category, tier, decision });
  await enqueue(tx, runtime.topic, [
    newEvent(CaseAssigned, {
      caseId: received.caseId,
      unitId: decision.unit.id,
      data: {
        assignmentId,
        unitId: decision.unit.id,
        unitName: decision.unit.nameEn,
        assignee: decision.assignee,
        category,
        tier,
        rule: decision.rule,
        reason: decision.reason,
      },
    }),
  ]);
}

export const dispatchService: DomainServiceDefinition = {
  service: 'dispatch',
  defaultPort: 8082,
  migrations: [DispatchSchema1763900000200, DemoOrganisation1763900000210],
  seeds: [organisationSeed],
  controllers: [DispatchController],
  compose(runtime) {
    const repository = new DispatchRepository(runtime.dataSource);
    return {
      providers: [{ provide: DispatchRepository, useValue: repository }],
      consumers: [
        {
          topics: [topicOf('intake')],
          handlers: { [CaseReceived.type]: (event, tx) => assign(runtime, repository, event, tx) },
        },
      ],
    };
  },
};

/** Runs the service as its own process (apps/dispatch). */
export const main = () => runDomainService(dispatchService);
