import { Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { AnyEnvelope } from '@duban/contracts';
import { EventContext, EventsController } from '@duban/messaging';
import { Notifier } from '../application/notifier';
import { Sender } from '../application/sender';
import { NOTIFIABLE } from '../domain/templates';

/** Every event somebody is told about: the notices are written with the event, and the sender woken for those it delivers (e-mail, SMS, webhooks, robots). */
@EventsController()
export class NotificationEvents {
  constructor(
    @Inject(Notifier) private readonly notifier: Notifier,
    @Inject(Sender) private readonly sender: Sender,
  ) {}

  @EventPattern([...NOTIFIABLE])
  async notify(@Payload() event: AnyEnvelope, @Ctx() { tx }: EventContext): Promise<void> {
    if ((await this.notifier.onEvent(tx, event)) > 0) this.sender.wake();
  }
}
