import { AuditChainInBackground1763900000991, AuditTrail1763900000990 } from './audit-migration';
import { ServiceName, topicOf } from '@duban/contracts';
import {
  EventsServer,
  IdempotentConsumer,
  KafkaTransport,
  KafkaTransportOptions,
  MessageTransport,
  MessagingTables1763900000000,
  OutboxRelay,
  sleep,
} from '@duban/messaging';
import { applySeed, createDataSource, databaseReady, migrate, SeedData } from '@duban/persistence';
import { createLogger, Logger, ServiceMetrics } from '@duban/telemetry';
import type { DataSource, MixedList } from 'typeorm';

export interface RuntimeOptions {
  service: ServiceName;
  databaseUrl: string;
  databasePoolSize?: number;
  kafkaBrokers: string[];
  kafkaPartitions?: number;
  kafkaReplicationFactor?: number;
  /** Fetch and commit tuning of the Kafka consumers (KAFKA_FETCH_MIN_BYTES, KAFKA_FETCH_MAX_WAIT_MS, KAFKA_COMMIT_INTERVAL_MS). */
  kafkaConsumer?: Pick<KafkaTransportOptions, 'fetchMinBytes' | 'fetchMaxWaitMs' | 'commitIntervalMs'>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  logLevel?: string;
  /** Supplied by the standalone mode (in-process bus); defaults to Kafka. */
  transport?: MessageTransport;
}

/**
 * Everything a domain service runs on, started and stopped in the right order:
 * database (migrated), message transport, outbox relay, and the Nest transport strategy whose
 * idempotent consumer runs the service's `@EventPattern` handlers (`events`, connected by
 * runDomainService).
 */
export class ServiceRuntime {
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly dataSource: DataSource;
  readonly transport: MessageTransport;
  readonly relay: OutboxRelay;
  readonly topic: string;
  /** The service's event transport for Nest (app.connectMicroservice({ strategy: runtime.events })). */
  readonly events: EventsServer;
  /** A transport handed in (standalone's shared bus) is stopped by whoever created it. */
  private readonly ownsTransport: boolean;
  private metricsTimer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;

  constructor(readonly options: RuntimeOptions) {
    this.logger = createLogger(`duban-${options.service}`, options.logLevel);
    this.metrics = new ServiceMetrics(`duban-${options.service}`);
    this.topic = topicOf(options.service);
    this.dataSource = createDataSource({
      url: options.databaseUrl,
      applicationName: `duban-${options.service}`,
      migrations: [MessagingTables1763900000000, ...(options.migrations as unknown[] as never[]), AuditTrail1763900000990, AuditChainInBackground1763900000991],
      poolSize: options.databasePoolSize,
    });
    this.ownsTransport = !options.transport;
    this.transport =
      options.transport ??
      new KafkaTransport({
        clientId: `duban-${options.service}`,
        brokers: options.kafkaBrokers,
        logger: this.logger,
        partitions: options.kafkaPartitions,
        replicationFactor: options.kafkaReplicationFactor,
        ...options.kafkaConsumer,
      });
    this.relay = new OutboxRelay({ dataSource: this.dataSource, transport: this.transport, logger: this.logger });
    const group = `duban-${options.service}`;
    this.events = new EventsServer({
      groupId: group,
      dataSource: this.dataSource,
      transport: this.transport,
      logger: this.logger,
      afterCommit: () => this.relay.wake(),
      observe: (outcome, n) => this.metrics.eventsConsumed.inc({ group, outcome }, n),
      observeLag: (topic, partition, behind) => this.metrics.consumerLag.set({ group, topic, partition: partition === undefined ? 'all' : String(partition) }, behind),
    });
  }

  /** Connects (retrying while the database starts), migrates, and starts publishing; consuming starts with Nest's microservice (`events`). */
  async start(seeds: SeedData[] = []): Promise<void> {
    await this.connectDatabase();
    const applied = await migrate(this.dataSource);
    if (applied.length > 0) this.logger.info({ migrations: applied }, 'migrations applied');
    for (const seed of seeds) {
      if ((await applySeed(this.dataSource, seed)) === 'applied') {
        this.logger.info({ seed: seed.name, version: seed.version }, 'seed data loaded');
      }
    }
    await this.transport.ensureTopics([this.topic]);
    this.relay.start();
    this.metricsTimer = setInterval(() => {
      this.relay
        .pendingCount()
        .then((n) => this.metrics.outboxPending.set(n))
        .catch(() => undefined);
    }, 5000);
    this.metricsTimer.unref();
    this.pruneTimer = setInterval(() => {
      IdempotentConsumer.prune(this.dataSource).catch((err) => this.logger.warn({ err }, 'pruning processed events failed'));
    }, 3_600_000);
    this.pruneTimer.unref();
  }

  async readiness(): Promise<Record<string, boolean>> {
    const [database, kafka] = await Promise.all([databaseReady(this.dataSource), this.transport.ready()]);
    return { database, kafka };
  }

  /** Makes this service's consumers give up retrying, so the transport can stop after in-flight messages. */
  stopConsumers(): void {
    this.events.close();
  }

  /** Stops consuming (in-flight messages finish), publishes what is left in the outbox, closes connections. */
  async stop(): Promise<void> {
    clearInterval(this.metricsTimer);
    clearInterval(this.pruneTimer);
    this.stopConsumers();
    if (this.ownsTransport) {
      await this.transport.stopConsuming().catch((err) => this.logger.warn({ err }, 'stopping consumers failed'));
    }
    // Whatever the relay cannot publish now stays in the outbox for the next start.
    await this.relay.stop().catch((err) => this.logger.warn({ err }, 'outbox relay stop failed'));
    if (this.ownsTransport) await this.transport.close().catch((err) => this.logger.warn({ err }, 'transport close failed'));
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private async connectDatabase(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.dataSource.initialize();
        return;
      } catch (error) {
        if (attempt >= 30) throw error;
        this.logger.warn({ err: error, attempt }, 'database not reachable yet; retrying');
        await sleep(Math.min(5000, 250 * attempt));
      }
    }
  }
}

