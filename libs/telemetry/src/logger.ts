import { context, trace } from '@opentelemetry/api';
import pino, { DestinationStream, Logger } from 'pino';

export type { Logger };

/**
 * The one logger: JSON lines on stdout, each carrying the service name and,
 * inside a traced operation, its trace_id and span_id.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const ctx = trace.getSpan(context.active())?.spanContext();
      return ctx && trace.isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
