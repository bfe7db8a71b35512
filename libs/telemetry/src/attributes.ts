/**
 * The one registry of Duban's span attribute and metric names (docs/telemetry.md).
 * Anything that names a Duban attribute or metric takes it from here.
 */
export const Attr = {
  caseId: 'duban.case.id',
  unitId: 'duban.unit.id',
  tier: 'duban.tier',
  category: 'duban.category',
  eventType: 'duban.event.type',
  eventId: 'duban.event.id',
} as const;

export const Metric = {
  httpRequestDuration: 'duban_http_request_duration_seconds',
  eventsConsumed: 'duban_events_consumed_total',
  outboxPending: 'duban_outbox_pending',
  consumerLag: 'duban_consumer_lag',
  timerLateness: 'duban_timer_lateness_seconds',
} as const;
