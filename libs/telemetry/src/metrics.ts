import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Metric } from './attributes';

/** Prometheus metrics of one service, served on /metrics. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly eventsConsumed: Counter<'group' | 'outcome'>;
  readonly outboxPending: Gauge;
  /** Messages still behind the last delivery, per consumer group and topic partition (`all`: the standalone bus's whole topic). */
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  /** How late stored timers (escalation's light changes) fired after their due time. */
  readonly timerLateness: Histogram;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: Metric.httpRequestDuration,
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.eventsConsumed = new Counter({
      name: Metric.eventsConsumed,
      help: 'Messages handled by consumer group and outcome (applied, duplicates, skipped, retries, deadLettered)',
      labelNames: ['group', 'outcome'],
      registers: [this.registry],
    });
    this.outboxPending = new Gauge({
      name: Metric.outboxPending,
      help: 'Events written to the outbox and not yet published',
      registers: [this.registry],
    });
    this.consumerLag = new Gauge({
      name: Metric.consumerLag,
      help: 'Messages still behind the last delivery, by consumer group and topic partition',
      labelNames: ['group', 'topic', 'partition'],
      registers: [this.registry],
    });
    this.timerLateness = new Histogram({
      name: Metric.timerLateness,
      help: 'How late stored timers fired after their due time',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60],
      registers: [this.registry],
    });
  }
}
