import { Attributes, Context, context, diag, DiagLogLevel, Link, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  ReadableSpan,
  Sampler,
  SamplingDecision,
  SamplingResult,
  Span,
  SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

let sdk: NodeSDK | undefined;

/** The head sampler OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG name (the SDK's spellings); every case by default. */
export function samplerFromEnv(env: NodeJS.ProcessEnv = process.env): Sampler {
  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
  const ratioSampler = () => new TraceIdRatioBasedSampler(Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1);
  switch (env.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratioSampler();
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratioSampler() });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * Wraps the head sampler so that what it drops is still recorded (not exported): the
 * TailKeepingProcessor can then keep a dropped span that failed or was slow. The decision still
 * travels with the trace (a dropped trace stays dropped downstream, and is recorded there too).
 */
export class RecordWhatIsDropped implements Sampler {
  constructor(private readonly head: Sampler) {}

  shouldSample(parent: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    const result = this.head.shouldSample(parent, traceId, name, kind, attributes, links);
    return result.decision === SamplingDecision.NOT_RECORD ? { ...result, decision: SamplingDecision.RECORD } : result;
  }

  toString(): string {
    return `RecordWhatIsDropped{${this.head.toString()}}`;
  }
}

/**
 * Passes sampled spans on, and of the spans the head sampler dropped keeps those that ended in
 * an error or took at least `slowMs` (marked `duban.trace.kept` = error | slow): under head
 * sampling, errors and slow requests are always exported, each with its trace id (which the
 * logs carry too). Their children that were fast and fine stay dropped.
 */
export class TailKeepingProcessor implements SpanProcessor {
  constructor(
    private readonly next: SpanProcessor,
    private readonly slowMs: number,
  ) {}

  onStart(span: Span, parent: Context): void {
    this.next.onStart(span, parent);
  }

  onEnd(span: ReadableSpan): void {
    const ctx = span.spanContext();
    if (ctx.traceFlags & TraceFlags.SAMPLED) return this.next.onEnd(span);
    const reason = span.status.code === SpanStatusCode.ERROR ? 'error' : hrTimeToMilliseconds(span.duration) >= this.slowMs ? 'slow' : undefined;
    if (!reason) return;
    const kept = Object.create(span, {
      spanContext: { value: () => ({ ...ctx, traceFlags: ctx.traceFlags | TraceFlags.SAMPLED }) },
      attributes: { value: { ...span.attributes, 'duban.trace.kept': reason } },
    }) as ReadableSpan;
    this.next.onEnd(kept);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

const UNTRACED_PATHS = ['/health/live', '/health/ready', '/metrics'];

/**
 * Starts OpenTelemetry tracing for one service. Call it before anything
 * imports http or pg (see each app's main.ts). Configured by the standard
 * OTEL_* variables: OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SDK_DISABLED, and the
 * head sampler (OTEL_TRACES_SAMPLER=parentbased_traceidratio with
 * OTEL_TRACES_SAMPLER_ARG=0.01 traces one case in a hundred; the default
 * traces every case). The decision is taken once, at the gateway, and
 * travels with the case through every hop. Under head sampling, a dropped
 * span that failed or took TRACES_KEEP_SLOW_MS (1000 ms) or more is exported
 * anyway (TailKeepingProcessor).
 */
export function startTelemetry(serviceName: string, version = '0.1.0'): void {
  if (sdk || process.env.OTEL_SDK_DISABLED === 'true') return;
  if (process.env.OTEL_LOG_LEVEL === 'debug') diag.setLogger(console as never, DiagLogLevel.DEBUG);
  const keep = process.env.TRACES_KEEP_ERRORS_AND_SLOW !== 'false';
  const exporting = new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1000 });
  sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? serviceName,
      [ATTR_SERVICE_VERSION]: version,
    }),
    // TRACES_KEEP_ERRORS_AND_SLOW=false: plain head sampling (dropped spans are not even recorded).
    ...(keep ? { sampler: new RecordWhatIsDropped(samplerFromEnv()) } : { sampler: samplerFromEnv() }),
    spanProcessors: [keep ? new TailKeepingProcessor(exporting, Number(process.env.TRACES_KEEP_SLOW_MS ?? 1000)) : exporting],
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
