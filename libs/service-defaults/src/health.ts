import { Controller, DynamicModule, Get, Header, Inject, Module, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export type ReadinessCheck = () => Promise<Record<string, boolean>>;

const READINESS = Symbol('READINESS');
const REGISTRY = Symbol('REGISTRY');

@Controller('health')
class HealthController {
  constructor(@Inject(READINESS) private readonly readiness: ReadinessCheck) {}

  /** The process is up and its event loop answers. */
  @Get('live')
  live(): { status: string } {
    return { status: 'up' };
  }

  /** Every dependency answers (database, Kafka, …); 503 names the ones that do not. */
  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const checks = await this.readiness().catch(() => ({ readiness: false }));
    const up = Object.values(checks).every(Boolean);
    await reply.status(up ? 200 : 503).send({ status: up ? 'up' : 'down', checks });
  }
}

@Controller('metrics')
class MetricsController {
  constructor(@Inject(REGISTRY) private readonly registry: Registry) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * /health/live, /health/ready and /metrics for every service. `metrics: false` leaves /metrics out
 * (the gateway, whose port is public, serves it on its own port: `serveMetrics`).
 */
@Module({})
export class OperationsModule {
  static forRoot(readiness: ReadinessCheck, registry: Registry, options: { metrics?: boolean } = {}): DynamicModule {
    return {
      module: OperationsModule,
      controllers: options.metrics === false ? [HealthController] : [HealthController, MetricsController],
      providers: [
        { provide: READINESS, useValue: readiness },
        { provide: REGISTRY, useValue: registry },
      ],
    };
  }
}

/**
 * /metrics alone on a port of its own (GET only; anything else 404), for a process whose HTTP port
 * is public — Prometheus scrapes this one, which only the cluster reaches (docs/security.md, API8).
 * Answers the port it listens on and a close function.
 */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'This port serves GET /metrics only.' }));
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(request.method === 'HEAD' ? undefined : text),
      () => response.writeHead(500, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500 })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
