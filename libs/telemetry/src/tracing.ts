import { context, diag, DiagLogLevel, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

let sdk: NodeSDK | undefined;

const UNTRACED_PATHS = ['/health/live', '/health/ready', '/metrics'];

/**
 * Starts OpenTelemetry tracing for one service. Call it before anything
 * imports http or pg (see each app's main.ts). Configured by the standard
 * OTEL_* variables: OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SDK_DISABLED, and the
 * head sampler (OTEL_TRACES_SAMPLER=parentbased_traceidratio with
 * OTEL_TRACES_SAMPLER_ARG=0.01 traces one case in a hundred; the default
 * traces every case). The decision is taken once, at the gateway, and
 * travels with the case through every hop.
 */
export function startTelemetry(serviceName: string, version = '0.1.0'): void {
  if (sdk || process.env.OTEL_SDK_DISABLED === 'true') return;
  if (process.env.OTEL_LOG_LEVEL === 'debug') diag.setLogger(console as never, DiagLogLevel.DEBUG);
  sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? serviceName,
      [ATTR_SERVICE_VERSION]: version,
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1000 })],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.some((p) => req.url?.startsWith(p)),
      }),
      // A span per statement inside a traced operation; acquiring a pooled connection is no span.
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      // No kafkajs instrumentation: libs/messaging makes the producer span of each outbox row and
      // the consumer span of each applied event itself, the same on Kafka and on the standalone
      // bus, so one message is one span per hop even when it is sent and applied in a batch.
    ],
  });
  sdk.start();
}

/** Flushes buffered spans; part of graceful shutdown. */
export async function stopTelemetry(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
  sdk = undefined;
}

/** The trace id of the active span, if any. */
export function currentTraceId(): string | undefined {
  const span = trace.getSpan(context.active());
  const id = span?.spanContext().traceId;
  return id && id !== '00000000000000000000000000000000' ? id : undefined;
}

export function setSpanAttributes(attributes: Record<string, string | number | boolean | undefined>): void {
  const span = trace.getSpan(context.active());
  if (!span) return;
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) span.setAttribute(k, v);
}
