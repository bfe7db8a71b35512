import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Static, Type } from '@sinclair/typebox';
import { BUS_MIGRATIONS, PostgresBus } from '@duban/messaging';
import { createDataSource, migrate } from '@duban/persistence';
import { exitOnSignals, loadConfig, runDomainService, DomainServiceDefinition } from '@duban/service-defaults';
import { createLogger } from '@duban/telemetry';
import { intakeService } from '@duban/intake';
import { dispatchService } from '@duban/dispatch';
import { collaborationService } from '@duban/collaboration';
import { escalationService } from '@duban/escalation';
import { assessmentService } from '@duban/assessment';
import { notificationService } from '@duban/notification';
import { startGateway } from '@duban/gateway';
import { EmbeddedPostgres, readOrCreateSecret } from './embedded-postgres';
import { demoUsersFromRealm, DevIssuer } from './dev-issuer';

const REPO = resolve(__dirname, '../../..');

export const StandaloneConfig = Type.Object({
  DUBAN_HOME: Type.String({ default: join(REPO, '.duban', 'standalone'), description: 'data folder (git-ignored)' }),
  HTTP_HOST: Type.String({ default: '127.0.0.1' }),
  HTTP_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080, description: 'the API gateway' }),
  ISSUER_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8079, description: 'the development OIDC issuer' }),
  PG_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 15433, description: 'the embedded PostgreSQL' }),
  SERVICE_PORT_BASE: Type.Integer({ minimum: 1, maximum: 65000, default: 18181, description: 'first of seven internal ports: the six services, then the gateway metrics' }),
  LOG_LEVEL: Type.String({ default: 'info' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 30_000 }),
  DEMO_REPLAY_SPEED: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'above 0, replays Boston 311 traffic at this speed in the background (npm run demo: 600)',
  }),
});

const SERVICES: DomainServiceDefinition[] = [
  intakeService,
  dispatchService,
  collaborationService,
  escalationService,
  assessmentService,
  notificationService,
];

/** Whether a TCP port can be listened on (a probe: opened and closed at once). */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, host, () => probe.close(() => done(true)));
  });
}

/** The first port another program holds, named with what it is for. */
async function busyPort(config: Static<typeof StandaloneConfig>): Promise<string | undefined> {
  const wanted: [string, string, number][] = [
    ['HTTP_PORT', config.HTTP_HOST, config.HTTP_PORT],
    ['ISSUER_PORT', '127.0.0.1', config.ISSUER_PORT],
    ...SERVICES.map((s, i): [string, string, number] => [`SERVICE_PORT_BASE (${s.service})`, '127.0.0.1', config.SERVICE_PORT_BASE + i]),
    ['SERVICE_PORT_BASE (gateway metrics)', '127.0.0.1', config.SERVICE_PORT_BASE + SERVICES.length],
  ];
  for (const [name, host, port] of wanted) {
    if (!(await portFree(host, port))) return `${host}:${port} (${name}) is in use — another Duban, or another program; stop it or choose another port with ${name.split(' ')[0]}=…`;
  }
  return undefined;
}

/** The pid of a live earlier run, if any (a pid file naming this very process is stale: a container restart). */
function alreadyRunning(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/**
 * Standalone mode: the whole platform in one process on embedded defaults —
 * the same service modules, migrations and messaging guarantees as the
 * distributed mode, with PostgreSQL from npm binaries, the PostgreSQL bus
 * instead of Kafka (ADR 0006) and a development OIDC issuer.
 */
export async function main(): Promise<void> {
  const config = loadConfig(StandaloneConfig);
  const logger = createLogger('duban-standalone', config.LOG_LEVEL);
  mkdirSync(config.DUBAN_HOME, { recursive: true });
  const pidFile = join(config.DUBAN_HOME, 'duban.pid');
  const running = alreadyRunning(pidFile);
  if (running) {
    throw new Error(
      `Duban is already running (pid ${running}) at http://${config.HTTP_HOST}:${config.HTTP_PORT}; stop it first (Ctrl-C in its terminal, or kill ${running}).`,
    );
  }
  const busy = await busyPort(config);
  if (busy) throw new Error(`Cannot start: ${busy}`);
  writeFileSync(pidFile, `${process.pid}\n`);

  const password = readOrCreateSecret(join(config.DUBAN_HOME, 'pg-password'), () => randomBytes(18).toString('base64url'));
  const postgres = new EmbeddedPostgres({
    dir: join(config.DUBAN_HOME, 'postgres'),
    port: config.PG_PORT,
    password,
    databases: ['duban_bus', ...SERVICES.map((s) => `duban_${s.service}`)],
    logger,
  });
  await postgres.start();
  // What has started so far is stopped again, in reverse, when a later step fails: a failed start leaves nothing running.
  const started: (() => Promise<unknown>)[] = [() => postgres.stop(), async () => rmSync(pidFile, { force: true })];
  let platform: Awaited<ReturnType<typeof compose>>;
  try {
    platform = await compose(config, logger, postgres, started);
  } catch (error) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    throw error;
  }
  const { bus, busDataSource, issuer, services, gateway, pruning, replay } = platform;

  exitOnSignals(logger, config.SHUTDOWN_TIMEOUT_MS, async () => {
    replay?.kill('SIGTERM');
    clearInterval(pruning);
    await gateway.stop();
    // Every consumer first, then the shared bus (in-flight messages finish), then each service.
    services.forEach((s) => s.runtime.stopConsumers());
    await bus.close();
    const results = await Promise.allSettled(services.map((s) => s.stop()));
    await busDataSource.destroy();
    await issuer.stop();
    await postgres.stop();
    rmSync(pidFile, { force: true });
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length > 0) throw new Error(`${failed.length} service(s) failed to stop cleanly`);
  });

  const base = `http://${config.HTTP_HOST}:${config.HTTP_PORT}`;
  process.stdout.write(`
Duban is running (standalone: one process, embedded PostgreSQL, development identity provider).
  Console      ${base}/   (sign in as a demo user below)
  API          ${base}/api/v1/cases
  Identity     ${issuer.issuer}
  Data         ${config.DUBAN_HOME}
  Demo users   citizen1 operator1 dispatcher1 handler-housing-a handler-housing-b head-housing
               handler-water-a head-water supervisor1 assessor1 admin1   (password duban-demo)
  A token      TOKEN=$(npm run --silent token -- --user citizen1)
  Try it       curl -s -X POST ${base}/api/v1/cases -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
                 -d '{"title":"Water main leak","description":"Water on the road outside no. 12","category":"water.leak"}'
${replay ? `  Live cases   Boston 311 traffic replayed at ${config.DEMO_REPLAY_SPEED}x (log: ${join(config.DUBAN_HOME, 'replay.log')})\n` : ''}Press Ctrl-C to stop.
`);
}

/**
 * Where a browser reaches the gateway (and so the console): its host — loopback when it listens on
 * all interfaces — and localhost, for people who open that.
 */
function consoleOrigins(config: Static<typeof StandaloneConfig>): string[] {
  const host = ['0.0.0.0', '::', '[::]', ''].includes(config.HTTP_HOST) ? '127.0.0.1' : config.HTTP_HOST;
  const hosts = [host.includes(':') && !host.startsWith('[') ? `[${host}]` : host, 'localhost'];
  return [...new Set(hosts)].map((h) => `http://${h}:${config.HTTP_PORT}`);
}

/** Everything on top of PostgreSQL: the bus, the issuer, the six services and the gateway (each registers how to stop it). */
async function compose(config: Static<typeof StandaloneConfig>, logger: ReturnType<typeof createLogger>, postgres: EmbeddedPostgres, started: (() => Promise<unknown>)[]) {

  const busDataSource = createDataSource({ url: postgres.url('duban_bus'), applicationName: 'duban-bus', migrations: BUS_MIGRATIONS, poolSize: 20 });
  await busDataSource.initialize();
  started.push(() => busDataSource.destroy());
  await migrate(busDataSource);
  const bus = new PostgresBus({ dataSource: busDataSource, logger: logger.child({ component: 'bus' }) });
  started.push(() => bus.close());

  const issuer = new DevIssuer({
    // Loopback only, whatever the gateway binds to: it hands out tokens for the demo users.
    host: '127.0.0.1',
    port: config.ISSUER_PORT,
    keyFile: join(config.DUBAN_HOME, 'issuer-key.json'),
    users: demoUsersFromRealm(join(REPO, 'deploy', 'keycloak', 'duban-realm.json')),
    password: 'duban-demo',
    audience: 'duban-api',
    // The browser console, served by the gateway: back to /callback after signing in, to / after signing out.
    consoleRedirectUris: consoleOrigins(config).map((origin) => `${origin}/callback`),
    consolePostLogoutRedirectUris: consoleOrigins(config).map((origin) => `${origin}/`),
  });
  await issuer.start();
  started.push(() => issuer.stop());

  // Every service and the gateway read their own settings from the environment (.env.example names
  // them: SMTP, rate limits, CORS, …), as in distributed mode; what ties them together is set here.
  const inherited = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const common = {
    ...inherited,
    ATTACHMENT_DIR: process.env.ATTACHMENT_DIR ?? join(config.DUBAN_HOME, 'attachments'),
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: config.LOG_LEVEL,
    OIDC_ISSUER_URL: issuer.issuer,
    KAFKA_BROKERS: 'in-process',
  };
  const ports: Record<string, number> = {};
  const services: Awaited<ReturnType<typeof runDomainService>>[] = [];
  for (const [i, definition] of SERVICES.entries()) {
    ports[definition.service] = config.SERVICE_PORT_BASE + i;
    const running = await runDomainService(
      definition,
      { ...common, HTTP_PORT: String(ports[definition.service]), DATABASE_URL: postgres.url(`duban_${definition.service}`) },
      { transport: bus, handleSignals: false },
    );
    services.push(running);
    started.push(() => running.stop());
  }
  const gateway = await startGateway(
    {
      ...common,
      HTTP_HOST: config.HTTP_HOST,
      HTTP_PORT: String(config.HTTP_PORT),
      // /metrics is not on the public port: on loopback, after the services' ports.
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: String(config.SERVICE_PORT_BASE + SERVICES.length),
      ...Object.fromEntries(Object.entries(ports).map(([s, p]) => [`${s.toUpperCase()}_URL`, `http://127.0.0.1:${p}`])),
    },
    { handleSignals: false },
  );
  started.push(() => gateway.stop());

  const pruning = setInterval(() => {
    bus.prune().catch((err) => logger.warn({ err }, 'pruning the bus failed'));
  }, 3_600_000);
  pruning.unref();

  const replay = config.DEMO_REPLAY_SPEED > 0 ? startReplay(config, issuer.issuer) : undefined;
  return { bus, busDataSource, issuer, services, gateway, pruning, replay };
}

/** Demo mode: the simulator as a child process, so a fresh install shows live cases. */
function startReplay(config: Static<typeof StandaloneConfig>, issuer: string): ChildProcess {
  const log = openSync(join(config.DUBAN_HOME, 'replay.log'), 'a');
  return spawn(process.execPath, [join(REPO, 'apps', 'simulator', 'dist', 'main.js'), '--speed', String(config.DEMO_REPLAY_SPEED), '--quiet'], {
    env: { ...process.env, GATEWAY_URL: `http://${config.HTTP_HOST}:${config.HTTP_PORT}`, OIDC_ISSUER_URL: issuer },
    // The IPC channel closes when this process dies, even by kill -9; the simulator then stops too.
    stdio: ['ignore', log, log, 'ipc'],
  });
}
