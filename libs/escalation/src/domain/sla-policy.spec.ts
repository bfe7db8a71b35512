import { defaultCalendar } from '@duban/calendar';
import { applyOverrides, CONFIGURABLE_POLICIES, DEFAULT_POLICIES, dueAt, FIRST_STAGE_POLICIES } from './sla-policy';

const cal = defaultCalendar();
const cst = (local: string) => new Date(`${local}+08:00`);

describe('first-stage time limits', () => {
  it('gives an immediate case two hours around the clock, even on a Sunday night', () => {
    expect(dueAt(FIRST_STAGE_POLICIES.immediate, cst('2025-03-09T23:00:00'), cal)).toEqual(cst('2025-03-10T01:00:00'));
  });

  it('gives a general case four working hours', () => {
    expect(dueAt(FIRST_STAGE_POLICIES.general, cst('2025-03-07T16:30:00'), cal)).toEqual(cst('2025-03-10T12:00:00'));
  });

  it('gives a complex case one working day', () => {
    expect(dueAt(FIRST_STAGE_POLICIES.complex, cst('2025-03-04T09:00:00'), cal)).toEqual(cst('2025-03-04T17:30:00'));
  });
});

describe('policies an administrator changed', () => {
  it('applies a changed limit to its tier and stage only, naming the new limit in the id', () => {
    const set = applyOverrides([{ key: 'general.accept', minutes: 480, basis: 'working' }]);
    expect(set.first.general).toMatchObject({ id: 'general.accept.480m-working', stage: 'accept', tier: 'general', minutes: 480, basis: 'working' });
    expect(dueAt(set.first.general, cst('2025-03-07T16:30:00'), cal)).toEqual(cst('2025-03-10T17:30:00'));
    expect(set.first.complex).toBe(FIRST_STAGE_POLICIES.complex);
    expect(set.result).toEqual(DEFAULT_POLICIES.result);
  });

  it('changes the designation limit and can turn a working-time limit into elapsed time', () => {
    const set = applyOverrides([
      { key: 'coordination.designate', minutes: 120, basis: 'elapsed' },
      { key: 'complex.solution', minutes: 5 * 420, basis: 'working' },
    ]);
    expect(set.designate).toMatchObject({ stage: 'designate', minutes: 120, basis: 'elapsed' });
    expect(set.result.complex.minutes).toBe(2100);
    expect([...CONFIGURABLE_POLICIES.keys()].sort()).toEqual(
      ['complex.accept', 'complex.solution', 'coordination.designate', 'general.accept', 'general.complete', 'immediate.result', 'immediate.start'],
    );
  });
});
