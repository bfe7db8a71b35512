import { CASE_ACCESS, CaseConfidentiality1763900000992, CaseUnitPath1763900000993, CaseAccessCopy, CaseConfidentialityEvents, CaseFiledLevelEvents, DomainServiceDefinition, runDomainService } from '@duban/service-defaults';
import { Type } from '@sinclair/typebox';
import { DispatchController } from './api/dispatch.controller';
import { DispatchEvents } from './api/dispatch.events';
import { UNIT_SYNC, UnitsController } from './api/units.controller';
import { UnitDirectorySync } from './application/unit-directory-sync';
import { KeycloakGroups } from './infrastructure/keycloak-groups';
import { UnitDirectorySync1763900000240 } from './infrastructure/1763900000240-unit-directory-sync';
import { RoutingController } from './api/routing.controller';
import { Dispatcher } from './application/dispatcher';
import { DispatchRepository } from './infrastructure/dispatch.repository';
import { DispatchSchema1763900000200 } from './infrastructure/1763900000200-dispatch-schema';
import { DemoOrganisation1763900000210 } from './infrastructure/1763900000210-demo-organisation';
import { JurisdictionsAndReturns1763900000220 } from './infrastructure/1763900000220-jurisdictions-and-returns';
import { PostClearance1763900000230 } from './infrastructure/1763900000230-post-clearance';
import { organisationSeed } from './infrastructure/organisation-seed';

export { categoryLineage, choosePerson, decide, resolvePlace, RuleBook, ruleId } from './domain/routing';
export type { District, Post, RoutingRule, StaffState, Unit } from './domain/routing';
export { contains } from '@duban/geo';
export { DEFAULT_LEARNING, learnRules } from './domain/rule-learning';
export type { LearningOptions, PastCase } from './domain/rule-learning';
export type { Area } from '@duban/geo';

/** 分派: every case gets exactly one responsible unit and person; returns, reassignment and the coordinator queue. */
export const dispatchService: DomainServiceDefinition = {
  service: 'dispatch',
  defaultPort: 8082,
  migrations: [DispatchSchema1763900000200, DemoOrganisation1763900000210, JurisdictionsAndReturns1763900000220, PostClearance1763900000230, UnitDirectorySync1763900000240, CaseConfidentiality1763900000992, CaseUnitPath1763900000993],
  seeds: [organisationSeed],
  controllers: [DispatchController, RoutingController, UnitsController],
  events: [CaseFiledLevelEvents, CaseConfidentialityEvents, DispatchEvents],
  config: {
    /** Keycloak's base URL for keeping the unit tree in step with its groups (unset: no synchronisation, e.g. standalone). */
    KEYCLOAK_ADMIN_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
    KEYCLOAK_ADMIN_REALM: Type.String({ minLength: 1, default: 'duban' }),
    /** A confidential client whose service account may manage groups (realm-management: manage-users, query-groups). */
    KEYCLOAK_ADMIN_CLIENT_ID: Type.String({ minLength: 1, default: 'duban-directory' }),
    KEYCLOAK_ADMIN_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
    /** How often the unit directory and the groups are compared (an administrator's change is pushed at once). */
    UNIT_SYNC_INTERVAL_SECONDS: Type.Integer({ minimum: 5, maximum: 86_400, default: 60 }),
  },
  compose(runtime, config) {
    const repository = new DispatchRepository(runtime.dataSource);
    const keycloak = config.KEYCLOAK_ADMIN_URL as string | undefined;
    const secret = config.KEYCLOAK_ADMIN_CLIENT_SECRET as string | undefined;
    if (keycloak && !secret) throw new Error('KEYCLOAK_ADMIN_CLIENT_SECRET is required with KEYCLOAK_ADMIN_URL');
    const sync = keycloak
      ? new UnitDirectorySync(
          runtime.dataSource,
          new KeycloakGroups({ baseUrl: keycloak, realm: config.KEYCLOAK_ADMIN_REALM as string, clientId: config.KEYCLOAK_ADMIN_CLIENT_ID as string, clientSecret: secret! }),
          (config.UNIT_SYNC_INTERVAL_SECONDS as number) * 1000,
          (error) => runtime.logger.warn({ err: error }, 'unit directory: synchronising with Keycloak failed; retried at the next interval'),
        )
      : null;
    const dispatcher = new Dispatcher(runtime, repository);
    return {
      providers: [
        { provide: DispatchRepository, useValue: repository },
        { provide: Dispatcher, useValue: dispatcher },
        { provide: CASE_ACCESS, useValue: new CaseAccessCopy(runtime) },
        { provide: UNIT_SYNC, useValue: sync },
      ],
      workers: sync ? [sync] : [],
    };
  },
};

/** Runs the service as its own process (apps/dispatch). */
export const main = () => runDomainService(dispatchService);
