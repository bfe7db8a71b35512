import { describeEvent, laterStatus } from './case-view';

const base = { id: 'e', version: 1, source: 'dispatch', caseId: 'c', unitId: 'water', occurredAt: '2025-03-04T01:00:00Z' };

describe('case view', () => {
  it('moves status forward only, so a late event cannot roll it back', () => {
    expect(laterStatus('received', 'assigned')).toBe('assigned');
    expect(laterStatus('resolved', 'assigned')).toBe('resolved');
    expect(laterStatus('assigned', undefined)).toBe('assigned');
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

  it('takes the deadline from a started clock', () => {
    const { change } = describeEvent({
      ...base,
      type: 'sla.clock-started',
      source: 'escalation',
      data: { stage: 'accept', policy: 'general.accept.4wh', dueAt: '2025-03-04T05:00:00.000Z' },
    });
    expect(change).toEqual({ deadline: '2025-03-04T05:00:00.000Z' });
  });
});
