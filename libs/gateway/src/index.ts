import { Module } from '@nestjs/common';
import { Type } from '@sinclair/typebox';
import { JwtVerifier } from '@duban/auth';
import { BaseConfig, loadConfig, OidcConfig, OperationsModule, serveMetrics, startHttpService } from '@duban/service-defaults';
import { createLogger, ServiceMetrics } from '@duban/telemetry';
import { createProxy } from './proxy';
import { RateLimiter } from './edge';
import { ApiDocs } from './docs';
import { loadConsole, serveConsole } from './console';
import { join } from 'node:path';

const VERSION = '0.1.0';

const Url = (port: number, service: string) =>
  Type.String({ pattern: '^https?://', default: `http://127.0.0.1:${port}`, description: `base URL of the ${service} service` });

export const GatewayConfig = Type.Object({
  ...BaseConfig,
  ...OidcConfig,
  HTTP_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  /** The gateway's Prometheus metrics, on a port of their own (HTTP_PORT is public); 0: not served. */
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9080 }),
  /** Where METRICS_PORT listens; empty: HTTP_HOST. */
  METRICS_HOST: Type.String({ maxLength: 255, default: '' }),
  MAX_BODY_BYTES: Type.Integer({ minimum: 1024, maximum: 52_428_800, default: 1_048_576 }),
  /** Largest CSV file accepted for a bulk import (POST /api/v1/imports); intake has the same setting. */
  IMPORT_MAX_BYTES: Type.Integer({ minimum: 1024, maximum: 104_857_600, default: 16_777_216 }),
  /** Largest attachment (POST /api/v1/workspaces/{caseId}/attachments); collaboration has the same setting. */
  ATTACHMENT_MAX_BYTES: Type.Integer({ minimum: 1024, maximum: 104_857_600, default: 10_485_760 }),
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 15_000 }),
  /** Requests per minute one user (token subject) may make through this replica; over it: 429 with Retry-After. */
  RATE_LIMIT_USER_PER_MINUTE: Type.Integer({ minimum: 1, default: 6000 }),
  /** Requests per minute one API client (OAuth client id, Open311 key, else client address) may make through this replica. */
  RATE_LIMIT_CLIENT_PER_MINUTE: Type.Integer({ minimum: 1, default: 30_000 }),
  /** Browser origins allowed to call the API (CORS), comma-separated, e.g. https://console.minghu.gov.cn; empty: none. */
  CORS_ORIGINS: Type.String({ maxLength: 2000, default: '' }),
  /** The built console (apps/console/dist), served at /; empty: the repository's. Absent: the gateway serves the API only. */
  CONSOLE_DIR: Type.String({ maxLength: 1000, default: '' }),
  /** The console's OIDC client (public, authorization code + PKCE). */
  CONSOLE_CLIENT_ID: Type.String({ minLength: 1, maxLength: 200, default: 'duban-console' }),
  /** The issuer the console signs in with, as browsers reach it; empty: OIDC_ISSUER_URL. */
  CONSOLE_ISSUER_URL: Type.String({ maxLength: 1000, default: '' }),
  /** Jaeger's UI as browsers reach it (a case's trace id links there); empty: no link. */
  CONSOLE_TRACE_URL: Type.String({ maxLength: 1000, default: '' }),
  INTAKE_URL: Url(8081, 'intake'),
  DISPATCH_URL: Url(8082, 'dispatch'),
  COLLABORATION_URL: Url(8083, 'collaboration'),
  ESCALATION_URL: Url(8084, 'escalation'),
  ASSESSMENT_URL: Url(8085, 'assessment'),
  NOTIFICATION_URL: Url(8086, 'notification'),
});

/** Starts the gateway; `handleSignals: false` when a composing process owns shutdown. */
export async function startGateway(env: NodeJS.ProcessEnv = process.env, options: { handleSignals?: boolean } = {}) {
  const config = loadConfig(GatewayConfig, env);
  const logger = createLogger('duban-gateway', config.LOG_LEVEL);
  const metrics = new ServiceMetrics('duban-gateway');
  const verifier = new JwtVerifier({
    issuer: config.OIDC_ISSUER_URL,
    audience: config.OIDC_AUDIENCE,
    discoveryUrl: config.OIDC_DISCOVERY_URL,
  });
  const upstreams = {
    intake: config.INTAKE_URL,
    dispatch: config.DISPATCH_URL,
    collaboration: config.COLLABORATION_URL,
    escalation: config.ESCALATION_URL,
    assessment: config.ASSESSMENT_URL,
    notification: config.NOTIFICATION_URL,
  };
  const docs = new ApiDocs(upstreams, VERSION, config.UPSTREAM_TIMEOUT_MS);
  const proxy = createProxy({
    verifier,
    logger,
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    limits: { user: new RateLimiter(config.RATE_LIMIT_USER_PER_MINUTE), client: new RateLimiter(config.RATE_LIMIT_CLIENT_PER_MINUTE) },
    corsOrigins: config.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    upstreams,
  });

  // The gateway owns no data: it is ready when it can verify tokens. Its port is the public one, so
  // /metrics is not on it but on METRICS_PORT (docs/security.md, API8).
  @Module({ imports: [OperationsModule.forRoot(async () => ({ identityProvider: await verifier.ready() }), metrics.registry, { metrics: false })] })
  class GatewayModule {}

  const consoleDir = config.CONSOLE_DIR || join(__dirname, '..', '..', '..', 'apps', 'console', 'dist');
  const consoleAssets = loadConsole(consoleDir);
  if (!consoleAssets) logger.warn({ consoleDir }, 'no console built there (npm run build): the gateway serves the API only');
  const metricsServer = config.METRICS_PORT === 0 ? undefined : await serveMetrics(metrics.registry, config.METRICS_HOST || config.HTTP_HOST, config.METRICS_PORT);
  return startHttpService({
    name: 'gateway',
    module: GatewayModule,
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    logger,
    metrics,
    bodyLimit: config.MAX_BODY_BYTES,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    parseBodies: false,
    configure(app) {
      const fastify = app.getHttpAdapter().getInstance();
      // Bodies are forwarded byte for byte; the owning service parses and validates them.
      fastify.removeAllContentTypeParsers();
      fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      fastify.post('/api/v1/imports', { bodyLimit: config.IMPORT_MAX_BYTES }, proxy);
      fastify.post('/api/v1/workspaces/:caseId/attachments', { bodyLimit: config.ATTACHMENT_MAX_BYTES }, proxy);
      // The whole public API described in one OpenAPI 3.1 document, and a page of it.
      fastify.get('/openapi.json', async (_request, reply) => reply.header('cache-control', 'no-cache').send(await docs.document()));
      fastify.get('/docs', async (_request, reply) =>
        reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").send(await docs.page()),
      );
      fastify.all('/api/*', proxy);
      fastify.all('/open311/*', proxy);
      if (consoleAssets) {
        serveConsole(fastify, consoleAssets, {
          issuer: config.CONSOLE_ISSUER_URL || config.OIDC_ISSUER_URL,
          clientId: config.CONSOLE_CLIENT_ID,
          ...(config.CONSOLE_TRACE_URL ? { traceUrl: config.CONSOLE_TRACE_URL } : {}),
        });
      }
    },
    onShutdown: async () => {
      await metricsServer?.close();
    },
    handleSignals: options.handleSignals,
  });
}

/** Runs the gateway as its own process (apps/gateway). */
export const main = () => startGateway();
