import { ratePerSecond, secondsPercentiles } from './mechanics-figures';

describe('the mechanisms’ figures', () => {
  it('measures events per second over the span they happened in', () => {
    expect(ratePerSecond([])).toBe(0);
    expect(ratePerSecond([1, 1.5, 2, 3])).toBe(2);
    // A burst in one instant counts once, not as an infinite rate.
    expect(ratePerSecond([5, 5, 5])).toBe(3000);
  });

  it('gives the median and the 99th percentile of a list of seconds', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const p = secondsPercentiles(values);
    expect(p.p50).toBeGreaterThanOrEqual(50);
    expect(p.p50).toBeLessThanOrEqual(51);
    expect(p.p99).toBeGreaterThanOrEqual(99);
  });
});
