import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RecordWhatIsDropped, samplerFromEnv, TailKeepingProcessor } from './tracing';

// The SDK's own provider and exporter in memory: what a service would export under head sampling.
function tracerWith(env: NodeJS.ProcessEnv) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    sampler: new RecordWhatIsDropped(samplerFromEnv(env)),
    spanProcessors: [new TailKeepingProcessor(new SimpleSpanProcessor(exporter), 1000)],
  });
  return { tracer: provider.getTracer('test'), exported: () => exporter.getFinishedSpans().map((s) => [s.name, s.attributes['duban.trace.kept'] ?? 'sampled']) };
}

describe('head sampling that keeps errors and slow requests', () => {
  it('exports every span when every case is traced (the default)', () => {
    const { tracer, exported } = tracerWith({});
    tracer.startSpan('fast').end();
    expect(exported()).toEqual([['fast', 'sampled']]);
  });

  it('drops the fast and fine spans of unsampled traces, keeps the failed and the slow ones, marked', () => {
    const { tracer, exported } = tracerWith({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
    tracer.startSpan('fast').end();
    const failed = tracer.startSpan('failed');
    failed.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    failed.end();
    const started = Date.now();
    tracer.startSpan('slow', { startTime: started - 1500 }).end(started);
    tracer.startSpan('almost slow', { startTime: started - 900 }).end(started);
    expect(exported()).toEqual([
      ['failed', 'error'],
      ['slow', 'slow'],
    ]);
  });

  it('reads the sampler names of the SDK', () => {
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' }).toString()).toMatch(/ParentBased.*TraceIdRatioBased\{0.01\}/);
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' }).toString()).toBe('AlwaysOffSampler');
    expect(samplerFromEnv({}).toString()).toMatch(/ParentBased\{root=AlwaysOnSampler/);
  });
});
