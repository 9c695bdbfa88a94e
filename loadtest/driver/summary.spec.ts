import { latencyByWindow, sellOutTime, unitsOverTime } from './summary';

describe('report arithmetic', () => {
  const events = [
    { t: 0.2, units: 1 },
    { t: 0.9, units: 2 },
    { t: 1.5, units: 1 },
    { t: 3.1, units: 1 },
  ];

  it('accumulates units per bucket', () => {
    expect(unitsOverTime(events, 1)).toEqual([
      { t: 1, units: 3 },
      { t: 2, units: 4 },
      { t: 3, units: 4 },
      { t: 4, units: 5 },
    ]);
    expect(unitsOverTime([], 1)).toEqual([{ t: 1, units: 0 }]);
  });

  it('finds the sell-out moment in any order of events', () => {
    expect(sellOutTime([...events].reverse(), 4)).toBe(1.5);
    expect(sellOutTime(events, 5)).toBe(3.1);
    expect(sellOutTime(events, 6)).toBeNull();
  });

  it('gives latency percentiles per window', () => {
    const samples = Array.from({ length: 100 }, (_, i) => ({ t: i < 50 ? 0.5 : 1.5, ms: i + 1 }));
    expect(latencyByWindow(samples, 1)).toEqual([
      { t: 1, count: 50, p50: 25, p95: 48, p99: 50 },
      { t: 2, count: 50, p50: 75, p95: 98, p99: 100 },
    ]);
  });
});
