import { CaseAssigned, EventOf, newEvent, topicOf, WorkspaceOpened } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { DomainServiceDefinition, runDomainService } from '@duban/service-defaults';
import { randomUUID } from 'node:crypto';
import { WorkspacesController } from './api/workspaces.controller';
import { CollaborationSchema1763900000400 } from './infrastructure/1763900000400-collaboration-schema';

export const collaborationService: DomainServiceDefinition = {
  service: 'collaboration',
  defaultPort: 8083,
  migrations: [CollaborationSchema1763900000400],
  controllers: [WorkspacesController],
  compose(runtime) {
    return {
      providers: [],
      consumers: [
        {
          topics: [topicOf('dispatch')],
          handlers: {
            // The assigned unit gets a handling workspace and is expected to sign for the case (签收).
            [CaseAssigned.type]: async (event, tx) => {
              const assigned = event as EventOf<typeof CaseAssigned>;
              const live = await tx.query(
                `SELECT id FROM workspaces WHERE case_id = $1 AND state <> 'withdrawn' FOR UPDATE`,
                [assigned.caseId],
              );
              // A reassignment withdraws the previous unit's workspace.
              if (live.length > 0) {
                await tx.query(`UPDATE workspaces SET state = 'withdrawn' WHERE id = $1`, [live[0].id]);
              }
              const workspaceId = randomUUID();
              await tx.query('INSERT INTO workspaces (id, case_id, unit_id, handler) VALUES ($1, $2, $3, $4)', [
                workspaceId,
                assigned.caseId,
                assigned.data.unitId,
                assigned.data.assignee,
              ]);
              await enqueue(tx, runtime.topic, [
                newEvent(WorkspaceOpened, {
                  caseId: assigned.caseId,
                  unitId: assigned.data.unitId,
                  data: { workspaceId, unitId: assigned.data.unitId, handler: assigned.data.assignee },
                }),
              ]);
            },
          },
        },
      ],
    };
  },
};

/** Runs the service as its own process (apps/collaboration). */
export const main = () => runDomainService(collaborationService);
