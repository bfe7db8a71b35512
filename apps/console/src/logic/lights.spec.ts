import { lightAt, nextChange, worst } from './lights';

const t = (iso: string) => Date.parse(iso);
const clock = {
  state: 'running',
  dueAt: '2026-12-04T09:30:00.000Z',
  lights: [
    { light: 'yellow', at: '2026-12-03T12:00:00.000Z' },
    { light: 'orange', at: '2026-12-04T08:00:00.000Z' },
    { light: 'red', at: '2026-12-04T09:30:00.000Z' },
  ],
};

describe('lightAt', () => {
  it('is green before the first change, then each light at its moment', () => {
    expect(lightAt(clock, t('2026-12-03T11:59:59Z'))).toBe('green');
    expect(lightAt(clock, t('2026-12-03T12:00:00Z'))).toBe('yellow');
    expect(lightAt(clock, t('2026-12-04T08:30:00Z'))).toBe('orange');
    expect(lightAt(clock, t('2026-12-04T09:30:00Z'))).toBe('red');
  });

  it('is red past the due time even without a red timer, paused while paused, done once stopped', () => {
    expect(lightAt({ state: 'running', dueAt: '2026-12-01T00:00:00Z', lights: [] }, t('2026-12-02T00:00:00Z'))).toBe('red');
    expect(lightAt({ ...clock, state: 'paused', dueAt: null }, t('2026-12-05T00:00:00Z'))).toBe('paused');
    expect(lightAt({ ...clock, state: 'met' }, t('2026-12-05T00:00:00Z'))).toBe('done');
  });

  it('never goes back to a milder light when changes arrive out of order', () => {
    const shuffled = { ...clock, lights: [clock.lights[1], clock.lights[0]] };
    expect(lightAt(shuffled, t('2026-12-04T08:30:00Z'))).toBe('orange');
  });
});

describe('worst and nextChange', () => {
  it('orders red over orange over yellow over paused over green over done', () => {
    expect(worst(['green', 'yellow', 'done'])).toBe('yellow');
    expect(worst(['paused', 'green'])).toBe('paused');
    expect(worst(['orange', 'red', 'yellow'])).toBe('red');
    expect(worst([])).toBe('done');
  });

  it('names the next moment the chip changes, none for a clock that is not running', () => {
    expect(nextChange(clock, t('2026-12-03T13:00:00Z'))).toBe(t('2026-12-04T08:00:00Z'));
    expect(nextChange(clock, t('2026-12-04T10:00:00Z'))).toBeUndefined();
    expect(nextChange({ ...clock, state: 'paused' }, t('2026-12-03T00:00:00Z'))).toBeUndefined();
  });
});
