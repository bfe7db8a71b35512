import { Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AnyEnvelope, EVENT_CATALOGUE, RectificationClosed, RectificationStarted, TaskChanged } from '@duban/contracts';
import { EventBatchPattern, EventContext, EventsController } from '@duban/messaging';
import { CaseRepository } from '../infrastructure/case.repository';

/**
 * The lifecycle events of every other service, which the case view shows (ARCHITECTURE.md: one read,
 * no fan-out) — all but a unit's rectifications and the task-force tree's changes, which are not a
 * case's.
 */
export const CASE_VIEW_EVENTS: readonly string[] = EVENT_CATALOGUE.filter(
  (e) => e.producer !== 'intake' && ![RectificationStarted.type, RectificationClosed.type, TaskChanged.type].includes(e.type),
).map((e) => e.type);

/** Intake keeps the case view — state, unit, clocks, timeline — from the other services' events. */
@EventsController()
export class CaseViewEvents {
  constructor(@Inject(CaseRepository) private readonly cases: CaseRepository) {}

  /** A delivery's events at once, in multi-row statements (the hot path of issue 13: hand-written SQL in the repository). */
  @EventBatchPattern(CASE_VIEW_EVENTS)
  project(@Payload() events: AnyEnvelope[], @Ctx() { tx }: EventContext): Promise<void> {
    return this.cases.project(tx, events);
  }
}
