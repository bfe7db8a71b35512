import { CASE_ACCESS, CaseConfidentiality1763900000992, CaseUnitPath1763900000993, CaseAccessCopy, CaseConfidentialityEvents, DomainServiceDefinition, runDomainService } from '@duban/service-defaults';
import { Type } from '@sinclair/typebox';
import { resolve } from 'node:path';
import { AssistsController, CosignsController } from './api/assists.controller';
import { TaskForcesController } from './api/task-forces.controller';
import { WorkspacesController } from './api/workspaces.controller';
import { CollaborationEvents } from './api/collaboration.events';
import { WorkspaceRepository } from './infrastructure/workspace.repository';
import { CLOCK, systemClock } from './application/clock';
import { Handling } from './application/handling';
import { Cooperation } from './application/cooperation';
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
  events: [CaseConfidentialityEvents, CollaborationEvents],
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
        { provide: Cooperation, useValue: new Cooperation(runtime, handling.options) },
        { provide: TaskForces, useValue: new TaskForces(runtime, handling) },
        { provide: CLOCK, useValue: systemClock },
        { provide: WorkspaceRepository, useValue: new WorkspaceRepository() },
      ],
    };
  },
};

/** Runs the service as its own process (apps/collaboration). */
export const main = () => runDomainService(collaborationService);
