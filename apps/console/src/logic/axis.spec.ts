import { processAxis } from './axis';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 3, 9, minute)).toISOString();
const entry = (type: string, minute: number, unitId: string | null = 'housing') => ({ type, occurredAt: at(minute), unitId, summary: type });
const states = (axis: ReturnType<typeof processAxis>) => axis.map((s) => `${s.key}:${s.state}`);

describe('processAxis', () => {
  it('marks what was reached, the stage in hand and what is still ahead', () => {
    const axis = processAxis([entry('case.received', 0, null), entry('case.assigned', 1), entry('sla.clock-started', 2)]);
    expect(states(axis)).toEqual(['received:done', 'assigned:done', 'signed:current', 'handling:todo', 'resolved:todo', 'rated:todo', 'closed:todo']);
    expect(axis[1]).toMatchObject({ at: at(1), unitId: 'housing' });
  });

  it('counts a stage passed over as done (a result submitted without a progress note)', () => {
    const axis = processAxis([entry('case.received', 0), entry('case.assigned', 1), entry('case.accepted', 2), entry('case.resolved', 3)]);
    expect(states(axis).slice(2, 6)).toEqual(['signed:done', 'handling:done', 'resolved:done', 'rated:current']);
  });

  it('goes back to dispatch on a return and to handling on a rebound, in time order', () => {
    const returned = processAxis([entry('case.accepted', 2), entry('case.received', 0), entry('case.assigned', 1), entry('case.returned', 3)]);
    expect(states(returned).slice(0, 3)).toEqual(['received:done', 'assigned:current', 'signed:todo']);
    const rebounded = processAxis([
      entry('case.received', 0), entry('case.assigned', 1), entry('case.accepted', 2), entry('case.resolved', 3), entry('case.rated', 4), entry('case.rebounded', 5),
    ]);
    expect(states(rebounded).slice(3)).toEqual(['handling:current', 'resolved:todo', 'rated:todo', 'closed:todo']);
  });
});
