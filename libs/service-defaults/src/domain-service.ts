import { Module, Provider, Type as NestType } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditChainer, AuditController, AuditInterceptor } from './audit';
import { CASE_ACCESS, CaseClearanceInterceptor } from './clearance';
import { OPENAPI_CONTROLLERS, OpenApiFragmentController } from './openapi';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Static, TProperties, Type } from '@sinclair/typebox';
import { JwtVerifier } from '@duban/auth';
import { ServiceName } from '@duban/contracts';
import { BatchEventHandler, EventHandler, EventsServer, MessageTransport, OutboxClient } from '@duban/messaging';
import { NestFactory } from '@nestjs/core';
import type { SeedData } from '@duban/persistence';
import { BaseConfig, DatabaseConfig, KafkaConfig, loadConfig, OidcConfig } from './config';
import { BearerAuthGuard } from './http';
import { OperationsModule } from './health';
import { RuntimeOptions, ServiceRuntime } from './runtime';
import { startHttpService } from './bootstrap';

/** The configuration every domain service reads; HTTP_PORT's default differs per service. */
export function domainServiceConfig(defaultPort: number, extra: TProperties = {}) {
  return Type.Object({
    ...extra,
    ...BaseConfig,
    ...DatabaseConfig,
    ...KafkaConfig,
    ...OidcConfig,
    HTTP_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: defaultPort }),
    MAX_BODY_BYTES: Type.Integer({ minimum: 1024, maximum: 10_485_760, default: 65_536 }),
  });
}
export type DomainServiceConfig = Static<ReturnType<typeof domainServiceConfig>>;

export interface DomainServiceDefinition {
  service: ServiceName;
  defaultPort: number;
  migrations: RuntimeOptions['migrations'];
  controllers: NestType<unknown>[];
  /**
   * The service's event controllers (EventsController classes with `@EventPattern` methods), in the
   * order their handlers of one event type run. The consumer subscribes to the topics of those types.
   */
  events?: NestType<unknown>[];
  /** Versioned reference data loaded after the migrations (never over an administrator's changes). */
  seeds?: SeedData[];
  /** The service's own settings (environment variables), validated with the common ones at start. */
  config?: TProperties;
  /** Builds the service's own providers and background workers once the runtime exists. */
  compose(runtime: ServiceRuntime, config: Record<string, unknown>): Composition;
  /** Extra body parsers or routes on the service's Fastify instance (e.g. CSV uploads). */
  configureHttp?: (app: NestFastifyApplication, config: Record<string, unknown>) => void;
}

export interface Composition {
  providers: Provider[];
  workers?: Worker[];
}

/** A background loop of a service (e.g. bulk imports): started after the runtime, stopped before it. */
export interface Worker {
  start(): void;
  /** Finishes the step in hand; what is left is resumed by the next start. */
  stop(): Promise<void>;
}

export interface CompositionOptions {
  /** The message transport to share (standalone: one PostgreSQL bus for every service). */
  transport?: MessageTransport;
  /** False when the composing process owns the signals (see startHttpService). */
  handleSignals?: boolean;
}

/**
 * Starts one domain service: validated config, database + migrations, outbox
 * relay, idempotent consumers, then the HTTP API with health, metrics and
 * bearer-token verification.
 */
export async function runDomainService(
  definition: DomainServiceDefinition,
  env: NodeJS.ProcessEnv = process.env,
  composition: CompositionOptions = {},
) {
  const config = loadConfig(domainServiceConfig(definition.defaultPort, definition.config), env);
  const runtime = new ServiceRuntime({
    service: definition.service,
    databaseUrl: config.DATABASE_URL,
    databasePoolSize: config.DATABASE_POOL_SIZE,
    kafkaBrokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    kafkaPartitions: config.KAFKA_PARTITIONS,
    kafkaReplicationFactor: config.KAFKA_REPLICATION_FACTOR,
    kafkaConsumer: { fetchMinBytes: config.KAFKA_FETCH_MIN_BYTES, fetchMaxWaitMs: config.KAFKA_FETCH_MAX_WAIT_MS, commitIntervalMs: config.KAFKA_COMMIT_INTERVAL_MS },
    migrations: definition.migrations,
    logLevel: config.LOG_LEVEL,
    transport: composition.transport,
  });
  const verifier = new JwtVerifier({
    issuer: config.OIDC_ISSUER_URL,
    audience: config.OIDC_AUDIENCE,
    discoveryUrl: config.OIDC_DISCOVERY_URL,
  });
  const { providers, workers: own = [] } = definition.compose(runtime, config as Record<string, unknown>);
  const audit = new AuditChainer(runtime.dataSource, (error) => runtime.logger.error({ err: error }, 'audit trail: writing or chaining failed'));
  const workers = [...own, audit];
  await runtime.start(definition.seeds);
  workers.forEach((w) => w.start());

  @Module({
    imports: [OperationsModule.forRoot(() => runtime.readiness(), runtime.metrics.registry)],
    controllers: [...(definition.events ?? []), ...definition.controllers, AuditController, OpenApiFragmentController],
    providers: [
      { provide: OPENAPI_CONTROLLERS, useValue: { service: definition.service, controllers: [...definition.controllers, AuditController] } },
      { provide: ServiceRuntime, useValue: runtime },
      { provide: OutboxClient, useValue: new OutboxClient(runtime.topic) },
      { provide: JwtVerifier, useValue: verifier },
      { provide: AuditChainer, useValue: audit },
      { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
      { provide: APP_INTERCEPTOR, useClass: CaseClearanceInterceptor },
      BearerAuthGuard,
      // A service that holds cases provides where their confidentiality is read (docs/security.md).
      ...(providers.some((p) => typeof p === 'object' && 'provide' in p && p.provide === CASE_ACCESS) ? [] : [{ provide: CASE_ACCESS, useValue: null }]),
      ...providers,
    ],
  })
  class DomainServiceModule {}

  const running = await startHttpService({
    name: definition.service,
    module: DomainServiceModule,
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    logger: runtime.logger,
    metrics: runtime.metrics,
    bodyLimit: config.MAX_BODY_BYTES,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    configure: definition.configureHttp && ((app) => definition.configureHttp!(app, config as Record<string, unknown>)),
    onShutdown: async () => {
      await Promise.allSettled(workers.map((w) => w.stop()));
      await runtime.stop();
    },
    handleSignals: composition.handleSignals,
    events: runtime.events,
  });
  return { ...running, runtime, config };
}

/**
 * The handlers of a service's event controllers as its consumer runs them — Nest builds the
 * controllers (their providers from `compose`) and registers their `@EventPattern` methods with
 * the project's transport strategy — for tools and integration tests that apply events to a
 * database directly (`applyOne(handlers[event.type], event, tx)`). Close it when done.
 */
export async function eventHandlersOf(
  definition: DomainServiceDefinition,
  runtime: ServiceRuntime,
  config: Record<string, unknown>,
): Promise<{ handlers: Record<string, EventHandler | BatchEventHandler>; close(): Promise<void> }> {
  const { providers } = definition.compose(runtime, config);
  @Module({ controllers: definition.events ?? [], providers: [{ provide: ServiceRuntime, useValue: runtime }, { provide: OutboxClient, useValue: new OutboxClient(runtime.topic) }, ...providers] })
  class EventHandlersModule {}
  const server = new EventsServer();
  const app = await NestFactory.createMicroservice(EventHandlersModule, { strategy: server, logger: false });
  await app.init();
  return { handlers: server.eventHandlers(), close: () => app.close() };
}
