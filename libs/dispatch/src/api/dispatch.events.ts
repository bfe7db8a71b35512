import { Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CaseReceived, CaseReclassified, EventOf } from '@duban/contracts';
import { EventContext, EventsController } from '@duban/messaging';
import { Dispatcher } from '../application/dispatcher';

/** What dispatch does with intake's events: route each new case to exactly one unit, and again when its tier changes. */
@EventsController()
export class DispatchEvents {
  constructor(@Inject(Dispatcher) private readonly dispatcher: Dispatcher) {}

  @EventPattern(CaseReceived.type)
  received(@Payload() event: EventOf<typeof CaseReceived>, @Ctx() { tx }: EventContext): Promise<void> {
    return this.dispatcher.onReceived(tx, event);
  }

  @EventPattern(CaseReclassified.type)
  reclassified(@Payload() event: EventOf<typeof CaseReclassified>, @Ctx() { tx }: EventContext): Promise<void> {
    return this.dispatcher.onReclassified(tx, event);
  }
}
