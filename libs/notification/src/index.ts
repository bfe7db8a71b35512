import { CaseAssigned, EventOf, newEvent, NotificationDelivered, topicOf } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { DomainServiceDefinition, runDomainService } from '@duban/service-defaults';
import { randomUUID } from 'node:crypto';
import { NotificationsController } from './api/notifications.controller';
import { NotificationSchema1763900000600 } from './infrastructure/1763900000600-notification-schema';

export const notificationService: DomainServiceDefinition = {
  service: 'notification',
  defaultPort: 8086,
  migrations: [NotificationSchema1763900000600],
  controllers: [NotificationsController],
  compose(runtime) {
    return {
      providers: [],
      consumers: [
        {
          topics: [topicOf('dispatch')],
          handlers: {
            // The assignee learns of a new case in the app (in-app is stored, so delivery is the insert).
            [CaseAssigned.type]: async (event, tx) => {
              const assigned = event as EventOf<typeof CaseAssigned>;
              if (!assigned.data.assignee) return;
              const id = randomUUID();
              await tx.query(
                `INSERT INTO notifications (id, recipient, case_id, template, title, body, channel)
                 VALUES ($1, $2, $3, 'case.assigned', $4, $5, 'in-app')`,
                [
                  id,
                  assigned.data.assignee,
                  assigned.caseId,
                  `New case for ${assigned.data.unitName}`,
                  `A ${assigned.data.tier} case (${assigned.data.category}) was assigned to you. ${assigned.data.reason}`,
                ],
              );
              await tx.query(`INSERT INTO deliveries (notification_id, channel, outcome) VALUES ($1, 'in-app', 'delivered')`, [id]);
              await enqueue(tx, runtime.topic, [
                newEvent(NotificationDelivered, {
                  caseId: assigned.caseId,
                  unitId: assigned.data.unitId,
                  data: { notificationId: id, recipient: assigned.data.assignee, channel: 'in-app', template: 'case.assigned' },
                }),
              ]);
            },
          },
        },
      ],
    };
  },
};

/** Runs the service as its own process (apps/notification). */
export const main = () => runDomainService(notificationService);
