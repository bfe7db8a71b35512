import { defaultCalendar } from '@duban/calendar';
import { dueAt, FIRST_STAGE_POLICIES } from './sla-policy';

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
