import { arrivalSchedule, arrivalTime, cumulative, intensity, planArrivals } from './arrivals.js';

describe('historic arrivals', () => {
  const plan = planArrivals(150_000, 652, 0.2, 20);

  it('brings exactly the buyers who clear the stock by the target sell-out time', () => {
    expect(cumulative(plan, 652)).toBeCloseTo(150_000, 6);
    expect(cumulative(plan, 0)).toBe(0);
  });

  it('spikes at the opening and decays to the floor', () => {
    expect(intensity(plan, 0)).toBeCloseTo(plan.peak);
    expect(intensity(plan, 20)).toBeCloseTo(plan.peak * (0.2 + 0.8 / Math.E));
    expect(intensity(plan, 10_000)).toBeCloseTo(plan.peak * 0.2);
    expect(intensity(plan, -1)).toBe(0);
  });

  it('A is the integral of λ', () => {
    for (const t of [1, 10, 100, 600]) {
      const h = 1e-3;
      expect((cumulative(plan, t + h) - cumulative(plan, t - h)) / (2 * h)).toBeCloseTo(
        intensity(plan, t),
        3,
      );
    }
  });

  it('spaces arrivals evenly in expected arrivals, increasing, and stops at the limit', () => {
    const small = planArrivals(1000, 60, 0.1, 5);
    const times = arrivalSchedule(small, 5000, 90);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    times.forEach((t, i) => expect(cumulative(small, t)).toBeCloseTo(i + 0.5, 4));
    // 1,000 buyers arrive by the target; past the 90 s limit nobody is scheduled.
    expect(times.filter((t) => t <= 60)).toHaveLength(1000);
    expect(times[times.length - 1]).toBeLessThanOrEqual(90);
    expect(times.length).toBe(Math.floor(cumulative(small, 90) + 0.5));
  });

  it('refuses nonsense', () => {
    expect(() => planArrivals(0, 60, 0.1, 5)).toThrow(RangeError);
    expect(() => planArrivals(10, 60, 1.5, 5)).toThrow(RangeError);
  });
});

describe('arrivalTime', () => {
  it('inverts the expected arrivals, from any earlier start', () => {
    const plan = planArrivals(40_000, 4.2, 0.05, 1);
    for (const t of [0.1, 1, 4.2, 30]) {
      expect(arrivalTime(plan, cumulative(plan, t))).toBeCloseTo(t, 6);
      expect(arrivalTime(plan, cumulative(plan, t), t / 2)).toBeCloseTo(t, 6);
    }
  });
});
