import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createLogger } from './logger';

describe('the one logger', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('intake', 'info', { write: (line: string) => lines.push(JSON.parse(line)) });
  const manager = new AsyncLocalStorageContextManager().enable();

  beforeAll(() => context.setGlobalContextManager(manager));
  afterAll(() => context.disable());
  beforeEach(() => (lines.length = 0));

  it('writes JSON lines with the service, the level as a word and an ISO time', () => {
    logger.info({ caseId: 'c-1' }, 'case received');
    expect(lines).toEqual([expect.objectContaining({ service: 'intake', level: 'info', msg: 'case received', caseId: 'c-1', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })]);
    expect(lines[0]).not.toHaveProperty('trace_id');
  });

  it('puts the trace id and span id of the active span in every line written inside it', () => {
    const span = new BasicTracerProvider().getTracer('test').startSpan('POST /api/v1/cases');
    context.with(trace.setSpan(context.active(), span), () => {
      logger.info('inside');
      logger.warn('inside again');
    });
    span.end();
    logger.info('outside');
    const { traceId, spanId } = span.spanContext();
    expect(lines.map((l) => [l.msg, l.trace_id, l.span_id])).toEqual([
      ['inside', traceId, spanId],
      ['inside again', traceId, spanId],
      ['outside', undefined, undefined],
    ]);
  });
});
