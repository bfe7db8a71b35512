import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('doubles per attempt between half and all of the ceiling', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffDelay(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelay(4, 100, 10_000, () => 1)).toBe(800);
  });

  it('never exceeds the cap', () => {
    expect(backoffDelay(30, 100, 5_000, () => 1)).toBe(5_000);
  });
});
