import { LoggerService, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, ServiceMetrics, stopTelemetry } from '@duban/telemetry';
import { ProblemFilter } from './http';
import { duplicateJsonKeys, jsonBodyProblems } from './json-body';
import { HttpProblem, Problems } from './problem';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
}

export interface HttpServiceOptions {
  name: string;
  module: Type<unknown>;
  host: string;
  port: number;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
  shutdownTimeoutMs: number;
  /** False leaves body parsing to `configure` (the gateway forwards bodies unparsed). */
  parseBodies?: boolean;
  /** Registers extra routes or parsers on the Fastify instance before it listens. */
  configure?: (app: NestFastifyApplication) => void;
  /** Runs after the HTTP server stopped and its in-flight requests finished. */
  onShutdown: () => Promise<void>;
  /** False when a composing process (standalone mode) owns SIGTERM/SIGINT and calls `stop` itself. */
  handleSignals?: boolean;
  /** The service's event transport (Nest custom transport strategy): its handlers are connected and it starts consuming before the HTTP port opens. */
  events?: CustomTransportStrategy;
}

export interface RunningService {
  app: NestFastifyApplication;
  /** Stops accepting, finishes in-flight requests, then runs `onShutdown`. */
  stop(): Promise<void>;
}

/**
 * Requests Node's HTTP parser refuses before any route runs (headers over 16 KiB: 431; a
 * malformed request line or header: 400; a request that took too long to arrive: 408) are
 * answered as problem+json too, like every other error.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const problem =
    status === 431
      ? new HttpProblem(431, 'headers-too-large', 'Request header fields too large.', 'Send headers of at most 16 KiB in all.')
      : status === 408
        ? new HttpProblem(408, 'request-timeout', 'The request took too long to arrive.')
        : new HttpProblem(400, 'malformed-request', 'The request is not valid HTTP.');
  const body = JSON.stringify(problem.body());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Starts a NestJS service on Fastify with JSON logs, problem+json errors,
 * request metrics and a graceful shutdown on SIGTERM/SIGINT: stop accepting,
 * finish in-flight requests, then `onShutdown`, then flush traces.
 */
export async function startHttpService(options: HttpServiceOptions): Promise<RunningService> {
  const adapter = new FastifyAdapter({ bodyLimit: options.bodyLimit ?? 64 * 1024, logger: false, clientErrorHandler: answerClientError });
  const app = await NestFactory.create<NestFastifyApplication>(options.module, adapter, {
    logger: new PinoNestLogger(options.logger),
    bodyParser: options.parseBodies ?? true,
    // The JSON text too (request.rawBody), so keys given twice are refused rather than taken last-wins.
    rawBody: options.parseBodies ?? true,
  });
  app.useGlobalFilters(new ProblemFilter(options.logger));
  const fastify = app.getHttpAdapter().getInstance();
  // Every parsed body (JSON or a form) is checked before any schema or handler sees it: nesting
  // depth, control characters and unpaired surrogates, each named by field (json-body.ts).
  fastify.addHook('preValidation', async (request) => {
    if (request.body === null || typeof request.body !== 'object' || Buffer.isBuffer(request.body)) return;
    const problems = jsonBodyProblems(request.body);
    const raw = (request as { rawBody?: Buffer }).rawBody;
    if (raw && /json/.test(request.headers['content-type'] ?? '')) {
      for (const pointer of duplicateJsonKeys(raw.toString('utf8'))) {
        problems.push({ pointer, field: pointer.slice(1).split('/').join('.'), detail: 'is given twice; send each field once' });
      }
    }
    if (problems.length > 0) throw Problems.validation(problems);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    options.metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  options.configure?.(app);
  if (options.events) {
    app.connectMicroservice({ strategy: options.events });
    await app.startAllMicroservices();
  }
  await app.listen(options.port, options.host);
  options.logger.info({ url: `http://${options.host}:${options.port}` }, `${options.name} listening`);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await app.close();
      await options.onShutdown();
      options.logger.info('stopped');
    })());
  if (options.handleSignals ?? true) exitOnSignals(options.logger, options.shutdownTimeoutMs, stop);
  return { app, stop };
}

/**
 * SIGTERM/SIGINT: run `stop` (bounded by a hard timeout), flush traces, exit.
 * Used by every process, whether it runs one service or all of them.
 */
export function exitOnSignals(logger: Logger, timeoutMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const hardStop = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    hardStop.unref();
    let code = 0;
    try {
      await stop();
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      code = 1;
    } finally {
      await stopTelemetry();
      process.exit(code);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
