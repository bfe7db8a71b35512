import { EventDefinition } from '../envelope';
import { CaseConfidentialityChanged, CaseDuplicateLinked, CaseDuplicateUnlinked, CaseReceived, CaseReclassified, RatingSubmitted } from './intake';
import { CaseAssigned, CaseLeadDesignated, CaseReturned } from './dispatch';
import { CardIssued, RectificationClosed, RectificationStarted, SlaClockStarted, SlaLightChanged, SupervisionEscalated, SupervisionOrdered, SupervisionReplied } from './escalation';
import { AssistCancelled, AssistDeclined, AssistExtensionDecided, AssistExtensionRequested, AssistReminded, AssistReplied, AssistRequested, CaseAccepted, CaseCosigned, CasePaused, CaseProgressed, CaseResolved, CaseResumed, CosignDecided, CosignRequested, ResultRejected, ResultSubmitted, TaskChanged, TaskForceFormed, WorkspaceOpened } from './collaboration';
import { NotificationDelivered } from './notification';
import { CaseClosed, CaseRated, CaseRebounded, CaseRevisited } from './assessment';

export * from './intake';
export * from './dispatch';
export * from './escalation';
export * from './collaboration';
export * from './notification';
export * from './assessment';

export const EVENT_CATALOGUE: readonly EventDefinition[] = [
  CaseReceived,
  CaseReclassified,
  CaseConfidentialityChanged,
  CaseDuplicateLinked,
  CaseDuplicateUnlinked,
  CaseAssigned,
  CaseReturned,
  CaseLeadDesignated,
  SlaClockStarted,
  SlaLightChanged,
  SupervisionOrdered,
  SupervisionReplied,
  SupervisionEscalated,
  CardIssued,
  RectificationStarted,
  RectificationClosed,
  WorkspaceOpened,
  CaseAccepted,
  CaseProgressed,
  CasePaused,
  CaseResumed,
  ResultSubmitted,
  ResultRejected,
  CaseResolved,
  AssistRequested,
  AssistExtensionRequested,
  AssistExtensionDecided,
  AssistReplied,
  AssistDeclined,
  AssistReminded,
  AssistCancelled,
  CosignRequested,
  CosignDecided,
  CaseCosigned,
  TaskForceFormed,
  TaskChanged,
  NotificationDelivered,
  CaseRated,
  RatingSubmitted,
  CaseRebounded,
  CaseRevisited,
  CaseClosed,
];

export function eventDefinition(type: string): EventDefinition | undefined {
  return EVENT_CATALOGUE.find((e) => e.type === type);
}

