import { assistTransition, AssistTransitionRefused, canDo, cosignOutcome, transition, TransitionRefused } from './workspace';

describe('the workspace state machine', () => {
  it('goes sign-for → pause → resume → result → rejected → result → resolved', () => {
    let s = transition('awaiting-sign-for', 'sign-for');
    expect(s).toBe('in-progress');
    s = transition(s, 'pause');
    expect(s).toBe('waiting-on-reporter');
    s = transition(s, 'resume');
    s = transition(s, 'submit-result');
    expect(s).toBe('result-submitted');
    s = transition(s, 'reject-result');
    expect(s).toBe('in-progress');
    s = transition(transition(s, 'submit-result'), 'accept-result');
    expect(s).toBe('resolved');
  });

  it('refuses what the state does not allow, saying why', () => {
    expect(() => transition('awaiting-sign-for', 'submit-result')).toThrow(/signed for/);
    expect(() => transition('waiting-on-reporter', 'submit-result')).toThrow(/waits on the reporter/);
    expect(() => transition('resolved', 'note')).toThrow(TransitionRefused);
    expect(() => transition('withdrawn', 'sign-for')).toThrow(/reassigned/);
    expect(() => transition('in-progress', 'sign-for')).toThrow(TransitionRefused);
  });

  it('keeps notes and the solution work inside the open states', () => {
    expect(canDo('result-submitted', 'note')).toBe(true);
    expect(canDo('awaiting-sign-for', 'request-assist')).toBe(false);
    expect(canDo('in-progress', 'propose-solution')).toBe(true);
    expect(transition('in-progress', 'note')).toBe('in-progress');
  });
});

describe('a cooperation request', () => {
  it('is replied to or declined once, and an extension is asked once at a time', () => {
    expect(assistTransition('open', 'reply')).toBe('replied');
    expect(assistTransition('extension-requested', 'decline')).toBe('declined');
    expect(assistTransition('open', 'ask-extension')).toBe('extension-requested');
    expect(() => assistTransition('extension-requested', 'ask-extension')).toThrow(/already waits/);
    expect(assistTransition('extension-requested', 'decide-extension')).toBe('open');
    expect(() => assistTransition('open', 'decide-extension')).toThrow(/No request for more time/);
    expect(() => assistTransition('replied', 'reply')).toThrow(AssistTransitionRefused);
    expect(() => assistTransition('declined', 'remind')).toThrow(/already declined/);
  });
});

describe('a co-sign round', () => {
  const units = ['water', 'housing'];
  it('is agreed only when every listed unit approved', () => {
    expect(cosignOutcome(units, [])).toBe('open');
    expect(cosignOutcome(units, [{ unitId: 'water', decision: 'approve' }])).toBe('open');
    expect(cosignOutcome(units, [{ unitId: 'water', decision: 'approve' }, { unitId: 'parks', decision: 'approve' }])).toBe('open');
    expect(cosignOutcome(units, [{ unitId: 'water', decision: 'approve' }, { unitId: 'housing', decision: 'approve' }])).toBe('agreed');
  });
  it('is rejected by any one rejection', () => {
    expect(cosignOutcome(units, [{ unitId: 'water', decision: 'approve' }, { unitId: 'housing', decision: 'reject' }])).toBe('rejected');
  });
});
