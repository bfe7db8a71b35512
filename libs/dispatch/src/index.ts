import { CaseReceived, CaseReclassified, EventOf, topicOf } from '@duban/contracts';
import { DomainServiceDefinition, runDomainService } from '@duban/service-defaults';
import { DispatchController } from './api/dispatch.controller';
import { RoutingController } from './api/routing.controller';
import { Dispatcher } from './application/dispatcher';
import { DispatchRepository } from './infrastructure/dispatch.repository';
import { DispatchSchema1763900000200 } from './infrastructure/1763900000200-dispatch-schema';
import { DemoOrganisation1763900000210 } from './infrastructure/1763900000210-demo-organisation';
import { JurisdictionsAndReturns1763900000220 } from './infrastructure/1763900000220-jurisdictions-and-returns';
import { organisationSeed } from './infrastructure/organisation-seed';

export { categoryLineage, choosePerson, decide, resolvePlace, RuleBook, ruleId } from './domain/routing';
export type { District, Post, RoutingRule, StaffState, Unit } from './domain/routing';
export { contains } from './domain/geo';
export { DEFAULT_LEARNING, learnRules } from './domain/rule-learning';
export type { LearningOptions, PastCase } from './domain/rule-learning';
export type { Area } from './domain/geo';

/** 分派: every case gets exactly one responsible unit and person; returns, reassignment and the coordinator queue. */
export const dispatchService: DomainServiceDefinition = {
  service: 'dispatch',
  defaultPort: 8082,
  migrations: [DispatchSchema1763900000200, DemoOrganisation1763900000210, JurisdictionsAndReturns1763900000220],
  seeds: [organisationSeed],
  controllers: [DispatchController, RoutingController],
  compose(runtime) {
    const repository = new DispatchRepository(runtime.dataSource);
    const dispatcher = new Dispatcher(runtime, repository);
    return {
      providers: [
        { provide: DispatchRepository, useValue: repository },
        { provide: Dispatcher, useValue: dispatcher },
      ],
      consumers: [
        {
          topics: [topicOf('intake')],
          handlers: {
            [CaseReceived.type]: (event, tx) => dispatcher.onReceived(tx, event as EventOf<typeof CaseReceived>),
            [CaseReclassified.type]: (event, tx) => dispatcher.onReclassified(tx, event as EventOf<typeof CaseReclassified>),
          },
        },
      ],
    };
  },
};

/** Runs the service as its own process (apps/dispatch). */
export const main = () => runDomainService(dispatchService);
