/**
 * The lead unit's handling workspace (办理) as a state machine:
 *
 *   awaiting-sign-for ─sign-for→ in-progress ─submit-result→ result-submitted ─accept→ resolved
 *                                  │    ↑                         │
 *                                pause resume                   reject (退回重办) → in-progress
 *                                  ↓    │
 *                           waiting-on-reporter
 *
 * A reassignment withdraws the workspace (a new one opens at the new unit).
 */
export type WorkspaceState = 'awaiting-sign-for' | 'in-progress' | 'waiting-on-reporter' | 'result-submitted' | 'resolved' | 'withdrawn';

export type WorkspaceAction =
  | 'sign-for'
  | 'note'
  | 'pause'
  | 'resume'
  | 'submit-result'
  | 'accept-result'
  | 'reject-result'
  | 'request-assist'
  | 'propose-solution'
  | 'form-task-force';

const TRANSITIONS: Record<WorkspaceAction, { from: readonly WorkspaceState[]; to?: WorkspaceState }> = {
  'sign-for': { from: ['awaiting-sign-for'], to: 'in-progress' },
  note: { from: ['in-progress', 'waiting-on-reporter', 'result-submitted'] },
  pause: { from: ['in-progress'], to: 'waiting-on-reporter' },
  resume: { from: ['waiting-on-reporter'], to: 'in-progress' },
  'submit-result': { from: ['in-progress'], to: 'result-submitted' },
  'accept-result': { from: ['result-submitted'], to: 'resolved' },
  'reject-result': { from: ['result-submitted'], to: 'in-progress' },
  'request-assist': { from: ['in-progress', 'waiting-on-reporter'] },
  'propose-solution': { from: ['in-progress'] },
  'form-task-force': { from: ['in-progress', 'waiting-on-reporter'] },
};

const WHY_NOT: Partial<Record<WorkspaceState, string>> = {
  'awaiting-sign-for': 'the case has not been signed for yet (签收 first)',
  'waiting-on-reporter': 'the case waits on the reporter (resume it first)',
  'result-submitted': 'a result waits for review',
  resolved: 'the case is resolved',
  withdrawn: 'the case was reassigned to another unit',
};

export class TransitionRefused extends Error {
  constructor(
    readonly action: WorkspaceAction,
    readonly state: WorkspaceState,
  ) {
    super(`Cannot ${action.replace(/-/g, ' ')}: ${WHY_NOT[state] ?? `the workspace is ${state}`}.`);
    this.name = 'TransitionRefused';
  }
}

/** The state after `action`, or TransitionRefused naming why it is not possible now. */
export function transition(state: WorkspaceState, action: WorkspaceAction): WorkspaceState {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(state)) throw new TransitionRefused(action, state);
  return rule.to ?? state;
}

export function canDo(state: WorkspaceState, action: WorkspaceAction): boolean {
  return TRANSITIONS[action].from.includes(state);
}

/** A cooperation request (配合) as a state machine; a cooperating unit never closes the case. */
export type AssistState = 'open' | 'extension-requested' | 'replied' | 'declined' | 'cancelled';
export type AssistAction = 'reply' | 'decline' | 'ask-extension' | 'decide-extension' | 'remind';

const ASSIST_TRANSITIONS: Record<AssistAction, { from: readonly AssistState[]; to?: AssistState }> = {
  reply: { from: ['open', 'extension-requested'], to: 'replied' },
  decline: { from: ['open', 'extension-requested'], to: 'declined' },
  'ask-extension': { from: ['open'], to: 'extension-requested' },
  'decide-extension': { from: ['extension-requested'], to: 'open' },
  remind: { from: ['open', 'extension-requested'] },
};

export class AssistTransitionRefused extends Error {
  constructor(
    readonly action: AssistAction,
    readonly state: AssistState,
  ) {
    super(
      action === 'decide-extension'
        ? 'No request for more time is waiting for a decision.'
        : action === 'ask-extension' && state === 'extension-requested'
          ? 'A request for more time already waits for the lead unit.'
          : `The cooperation request is already ${state}.`,
    );
    this.name = 'AssistTransitionRefused';
  }
}

export function assistTransition(state: AssistState, action: AssistAction): AssistState {
  const rule = ASSIST_TRANSITIONS[action];
  if (!rule.from.includes(state)) throw new AssistTransitionRefused(action, state);
  return rule.to ?? state;
}

/** A co-sign round (会签): agreed when every listed unit approved, rejected at the first rejection. */
export type CosignState = 'open' | 'agreed' | 'rejected' | 'superseded';

export function cosignOutcome(units: readonly string[], decisions: readonly { unitId: string; decision: 'approve' | 'reject' }[]): CosignState {
  if (decisions.some((d) => d.decision === 'reject')) return 'rejected';
  const approved = new Set(decisions.filter((d) => d.decision === 'approve').map((d) => d.unitId));
  return units.every((u) => approved.has(u)) ? 'agreed' : 'open';
}
