import { describeEvent, laterStatus, reporterView } from './case-view';

const base = { id: 'e', version: 1, source: 'dispatch', caseId: 'c', unitId: 'water', occurredAt: '2025-03-04T01:00:00Z' };

describe('case view', () => {
  it('moves status forward only, so a late event cannot roll it back', () => {
    expect(laterStatus('received', 'assigned')).toBe('assigned');
    expect(laterStatus('resolved', 'assigned')).toBe('resolved');
    expect(laterStatus('assigned', undefined)).toBe('assigned');
  });

  it('shows ratings on the timeline and asks to reopen the rated resolution on a rebound', () => {
    const rated = describeEvent({ ...base, type: 'case.rated', source: 'assessment', data: { level: 'satisfied', score: 75, via: 'default', round: 1 } });
    expect(rated).toEqual({ change: {}, summary: 'No rating in time: counted as satisfied (75/100) by default' });
    const rebound = describeEvent({ ...base, type: 'case.rebounded', source: 'assessment', data: { level: 'very-dissatisfied', round: 2, reason: 'Still broken' } });
    expect(rebound.change).toEqual({ reopen: { round: 2 } });
    expect(rebound.summary).toBe('Reopened (重办): the reporter was very dissatisfied — Still broken');
  });

  it('closes the case when assessment archives it, and shows revisits on the timeline', () => {
    expect(describeEvent({ ...base, type: 'case.closed', source: 'assessment', data: { round: 1, reason: 'every revisit done' } })).toEqual({
      change: { status: 'closed' },
      summary: 'Closed and archived (归档): every revisit done',
    });
    const revisit = describeEvent({ ...base, type: 'case.revisited', source: 'assessment', data: { afterDays: 30, by: 'operator1', outcome: 'recurred', note: 'Dark again' } });
    expect(revisit).toEqual({ change: {}, summary: 'Revisit after 30 days (回访) by operator1: the problem recurred — Dark again' });
  });

  it('takes unit, person and reason from an assignment', () => {
    const { change, summary } = describeEvent({
      ...base,
      type: 'case.assigned',
      data: { unitId: 'water', unitName: 'Water Bureau', assignee: 'handler-water-a', reason: 'rule water.leak v1' },
    });
    expect(change).toEqual({ status: 'assigned', unitId: 'water', unitName: 'Water Bureau', assignee: 'handler-water-a' });
    expect(summary).toBe('Assigned to Water Bureau (handler-water-a): rule water.leak v1');
  });

  it("takes the deadline from the result clock; other limits only show on the timeline", () => {
    const clock = (stage: string) =>
      describeEvent({ ...base, type: 'sla.clock-started', source: 'escalation', data: { stage, policy: 'x', dueAt: '2025-03-04T05:00:00.000Z' } }).change;
    expect(clock('complete')).toEqual({ deadline: '2025-03-04T05:00:00.000Z' });
    expect(clock('solution')).toEqual({ deadline: '2025-03-04T05:00:00.000Z' });
    expect(clock('accept')).toEqual({});
    expect(clock('assist')).toEqual({});
  });

  it('moves the status with the sign-for and the accepted result', () => {
    expect(describeEvent({ ...base, type: 'case.accepted', source: 'collaboration', data: { unitId: 'water', by: 'li' } })).toEqual({
      change: { status: 'in-progress' },
      summary: 'Signed for (签收) by water (li)',
    });
    expect(describeEvent({ ...base, type: 'case.resolved', source: 'collaboration', data: { unitId: 'water', reviewedBy: 'op' } }).change).toEqual({ status: 'resolved' });
    expect(describeEvent({ ...base, type: 'case.progressed', source: 'collaboration', data: { unitId: 'water', by: 'li', text: 'x'.repeat(300), attachments: [{}, {}] } }).summary).toMatch(
      /^Progress note by water \(li\) with 2 attachments: x{199}…$/,
    );
  });
});

describe("the reporter's view of their case", () => {
  it('keeps the unit, the steps and the result, and drops staff names, the inner work and other reports', () => {
    const staff = {
      assignee: 'handler-water-a',
      traceId: 'abc',
      duplicates: ['7f0c1f9e-0000-4000-8000-000000000001'],
      timeline: [
        { type: 'case.received', unitId: null, summary: 'Received via web: Water main leak' },
        { type: 'case.assigned', unitId: 'water', summary: 'Assigned to Water Bureau (handler-water-a): A post handler-water-a: 825 open' },
        { type: 'case.accepted', unitId: 'water', summary: 'Signed for (签收) by water (handler-water-a)' },
        { type: 'case.progressed', unitId: 'water', summary: 'Progress note by water (handler-water-a): dug up the road' },
        { type: 'assist.requested', unitId: 'water', summary: 'water asked housing to cooperate: check the basement' },
        { type: 'notification.delivered', unitId: null, summary: 'head-water notified (email)' },
        { type: 'case.resolved', unitId: 'water', summary: 'Resolved: the result of water was accepted by operator1' },
      ],
    };
    const seen = reporterView(staff);
    expect(seen).toMatchObject({ assignee: null, traceId: null });
    expect(seen).not.toHaveProperty('duplicates');
    expect(seen.timeline.map((e) => e.summary)).toEqual(['Received', 'Passed to water', 'Signed for by water; being handled', 'Resolved']);
    expect(JSON.stringify(seen)).not.toMatch(/handler-|operator1|basement|dug up|head-water/);
  });
});
