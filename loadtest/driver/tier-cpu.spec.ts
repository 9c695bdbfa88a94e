import { busySecondsOfProcStat, cpuBetween, cpuSecondsOfStat, readCpu } from './tier-cpu';

describe('CPU by tier', () => {
  it('reads utime and stime from a stat line whose name holds spaces and parentheses', () => {
    const stat =
      '4242 (node (api) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 566 0 0 20 0 11 0 500 0 0';
    expect(cpuSecondsOfStat(stat)).toBeCloseTo(18.0);
  });

  it('counts the machine busy without idle and iowait', () => {
    const procStat = 'cpu  1000 0 500 8000 300 0 200 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n';
    expect(busySecondsOfProcStat(procStat)).toBeCloseTo(17);
  });

  it('turns two readings into cores and microseconds per unit', () => {
    const from = { at: 0, tiers: { api: 10, redis: 2 }, driver: 1, machineBusy: 100 };
    const to = { at: 10_000, tiers: { api: 16.5, redis: 3 }, driver: 4, machineBusy: 119 };
    const w = cpuBetween(from, to, 26_000);
    expect(w.seconds).toBe(10);
    expect(w.tiers.api.cores).toBeCloseTo(0.65);
    expect(w.tiers.api.microsecondsPerUnit).toBeCloseTo(250);
    expect(w.tiers.redis.cores).toBeCloseTo(0.1);
    expect(w.tiers.driver.cores).toBeCloseTo(0.3);
    expect(w.machineCores).toBeCloseTo(1.9);
  });

  it('finds this machine’s processes and its own CPU', () => {
    const reading = readCpu([{ tier: 'jest', matches: (cmd) => cmd.includes('jest') }]);
    if (reading === null) return; // no /proc: nothing to read
    expect(reading.machineBusy).toBeGreaterThan(0);
    expect(reading.driver).toBeGreaterThan(0);
    expect(Object.keys(reading.tiers)).toEqual(['jest']);
  });
});
