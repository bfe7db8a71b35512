import { CaseAssigned, CaseRebounded, CaseReclassified, EventOf, newEvent, topicOf, WorkspaceOpened } from '@duban/contracts';
import { enqueue } from '@duban/messaging';
import { CASE_ACCESS, CaseConfidentiality1763900000992, CaseUnitPath1763900000993, CaseAccessCopy, DomainServiceDefinition, runDomainService, withCaseConfidentiality } from '@duban/service-defaults';
import { Type } from '@sinclair/typebox';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { AssistsController, CosignsController } from './api/assists.controller';
import { TaskForcesController } from './api/task-forces.controller';
import { WorkspacesController } from './api/workspaces.controller';
import { CLOCK, systemClock } from './application/clock';
import { Handling } from './application/handling';
import { TaskForces } from './application/task-forces';
import { ATTACHMENT_TYPES } from './domain/attachments';
import { CollaborationSchema1763900000400 } from './infrastructure/1763900000400-collaboration-schema';
import { Handling1763900000410 } from './infrastructure/1763900000410-handling';
import { ATTACHMENT_STORE, LocalDiskStore } from './infrastructure/attachment-store';

export { Handling } from './application/handling';
export { TaskForces } from './application/task-forces';
export { CLOCK, Clock } from './application/clock';
export { LocalDiskStore, AttachmentStore } from './infrastructure/attachment-store';

export const collaborationService: DomainServiceDefinition = {
  service: 'collaboration',
  defaultPort: 8083,
  migrations: [CollaborationSchema1763900000400, Handling1763900000410, CaseConfidentiality1763900000992, CaseUnitPath1763900000993],
  controllers: [WorkspacesController, AssistsController, CosignsController, TaskForcesController],
  config: {
    /** Where attachments are kept (the local-disk storage port). */
    ATTACHMENT_DIR: Type.String({ minLength: 1, default: '.duban/attachments' }),
    /** Largest attachment in bytes; the gateway has the same setting. */
    ATTACHMENT_MAX_BYTES: Type.Integer({ minimum: 1024, maximum: 104_857_600, default: 10_485_760 }),
    /** A cooperating unit's default reply limit, in working minutes on its calendar (4 working hours). */
    ASSIST_REPLY_WORKING_MINUTES: Type.Integer({ minimum: 1, maximum: 10 * 420, default: 240 }),
    /** Shortest time between two reminders of one cooperation request. */
    ASSIST_REMINDER_INTERVAL_MINUTES: Type.Integer({ minimum: 0, maximum: 1440, default: 30 }),
  },
  configureHttp(app, config) {
    // Attachments arrive as the raw body in their own media type; what they really are is checked by content.
    app
      .getHttpAdapter()
      .getInstance()
      .addContentTypeParser([...ATTACHMENT_TYPES], { parseAs: 'buffer', bodyLimit: config.ATTACHMENT_MAX_BYTES as number }, (_request, body, done) => done(null, body));
  },
  compose(runtime, config) {
    const store = new LocalDiskStore(resolve(config.ATTACHMENT_DIR as string));
    const handling = new Handling(runtime, store, {
      assistReplyMinutes: config.ASSIST_REPLY_WORKING_MINUTES as number,
      attachmentMaxBytes: config.ATTACHMENT_MAX_BYTES as number,
      reminderIntervalMinutes: config.ASSIST_REMINDER_INTERVAL_MINUTES as number,
    });
    return {
      providers: [
        { provide: CASE_ACCESS, useValue: new CaseAccessCopy(runtime) },
        { provide: ATTACHMENT_STORE, useValue: store },
        { provide: Handling, useValue: handling },
        { provide: TaskForces, useValue: new TaskForces(runtime, handling) },
        { provide: CLOCK, useValue: systemClock },
      ],
      consumers: [
        {
          topics: [topicOf('dispatch'), topicOf('intake'), topicOf('assessment')],
          handlers: withCaseConfidentiality({
            // The tier decides which stages the case has (a solution and a task force for complex cases).
            [CaseReclassified.type]: async (event, tx) => {
              const reclassified = event as EventOf<typeof CaseReclassified>;
              await tx.query(`UPDATE workspaces SET tier = $2 WHERE case_id = $1 AND state <> 'withdrawn'`, [reclassified.caseId, reclassified.data.toTier]);
            },
            // 重办: an unsatisfied reporter sends a resolved case back to its unit, which works on it again.
            [CaseRebounded.type]: async (event, tx) => {
              const rebounded = event as EventOf<typeof CaseRebounded>;
              const [reopened]: [{ unit_id: string }[], number] = await tx.query(
                `UPDATE workspaces SET state = 'in-progress' WHERE case_id = $1 AND state = 'resolved' RETURNING unit_id`,
                [rebounded.caseId],
              );
              if (reopened.length === 0) return;
              await tx.query(`INSERT INTO workspace_trail (case_id, at, by, unit_id, action, detail) VALUES ($1, $2, $3, $4, $5, $6)`, [
                rebounded.caseId,
                rebounded.occurredAt,
                'reporter',
                reopened[0].unit_id,
                'rebound',
                JSON.stringify({ ratingId: rebounded.data.ratingId, round: rebounded.data.round, level: rebounded.data.level, reason: rebounded.data.reason }),
              ]);
            },
            // The assigned unit gets a handling workspace and is expected to sign for the case (签收).
            [CaseAssigned.type]: async (event, tx) => {
              const assigned = event as EventOf<typeof CaseAssigned>;
              const live = await tx.query(`SELECT id, unit_id FROM workspaces WHERE case_id = $1 AND state <> 'withdrawn' FOR UPDATE`, [assigned.caseId]);
              // A reassignment withdraws the previous unit's workspace; notes, requests and the trail stay with the case.
              if (live.length > 0) await tx.query(`UPDATE workspaces SET state = 'withdrawn' WHERE id = $1`, [live[0].id]);
              const workspaceId = randomUUID();
              await tx.query('INSERT INTO workspaces (id, case_id, unit_id, handler, tier, opened_at) VALUES ($1, $2, $3, $4, $5, $6)', [
                workspaceId,
                assigned.caseId,
                assigned.data.unitId,
                assigned.data.assignee,
                assigned.data.tier,
                assigned.occurredAt,
              ]);
              await tx.query(`INSERT INTO workspace_trail (case_id, at, by, unit_id, action, detail) VALUES ($1, $2, $3, $4, $5, $6)`, [
                assigned.caseId,
                assigned.occurredAt,
                assigned.data.by ?? 'dispatch',
                assigned.data.unitId,
                live.length > 0 ? 'workspace-moved' : 'workspace-opened',
                JSON.stringify({ workspaceId, from: live[0]?.unit_id ?? null, handler: assigned.data.assignee }),
              ]);
              await enqueue(tx, runtime.topic, [
                newEvent(WorkspaceOpened, {
                  caseId: assigned.caseId,
                  unitId: assigned.data.unitId,
                  data: { workspaceId, unitId: assigned.data.unitId, handler: assigned.data.assignee },
                }),
              ]);
            },
          }, { received: false }),
        },
      ],
    };
  },
};

/** Runs the service as its own process (apps/collaboration). */
export const main = () => runDomainService(collaborationService);
