import { Controller, DynamicModule, Get, Header, Inject, Module, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
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

/** /health/live, /health/ready and /metrics for every service. */
@Module({})
export class OperationsModule {
  static forRoot(readiness: ReadinessCheck, registry: Registry): DynamicModule {
    return {
      module: OperationsModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: READINESS, useValue: readiness },
        { provide: REGISTRY, useValue: registry },
      ],
    };
  }
}
