import { cappedBackoffMs } from './persist-retry';

describe('cappedBackoffMs', () => {
  const fixed = (r: number) => () => r;

  it('doubles from the base delay', () => {
    expect([1, 2, 3, 4].map((n) => cappedBackoffMs(n, 200, 30_000, fixed(1)))).toEqual([
      200, 400, 800, 1600,
    ]);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    for (const n of [9, 20, 100, 10_000]) {
      expect(cappedBackoffMs(n, 200, 30_000, fixed(1))).toBe(30_000);
    }
  });

  it('spreads retries between half the delay and the whole of it', () => {
    expect(cappedBackoffMs(3, 200, 30_000, fixed(0))).toBe(400);
    expect(cappedBackoffMs(3, 200, 30_000, fixed(0.5))).toBe(600);
    expect(cappedBackoffMs(1_000, 200, 30_000, fixed(0))).toBe(15_000);
  });
});
