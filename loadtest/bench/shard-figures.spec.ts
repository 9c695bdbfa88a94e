import { lastShareSeconds, parseInfo, primaryFigures } from './shard-figures';

describe('shard benchmark figures', () => {
  it('reads script calls and CPU seconds from INFO', () => {
    const stats = [
      '# Commandstats',
      'cmdstat_evalsha:calls=1200,usec=9000,usec_per_call=7.50,rejected_calls=0,failed_calls=0',
      'cmdstat_eval:calls=3,usec=40,usec_per_call=13.33,rejected_calls=0,failed_calls=0',
      'cmdstat_hget:calls=50,usec=20,usec_per_call=0.40,rejected_calls=0,failed_calls=0',
    ].join('\r\n');
    const cpu = ['# CPU', 'used_cpu_sys:1.250000', 'used_cpu_user:2.500000'].join('\r\n');
    expect(parseInfo(stats, cpu)).toEqual({ scriptCalls: 1203, cpuSeconds: 3.75 });
  });

  it('gives CPU per call from the difference of two samples', () => {
    const f = primaryFigures(
      7000,
      { scriptCalls: 1000, cpuSeconds: 1 },
      { scriptCalls: 11_000, cpuSeconds: 1.5 },
      [0, 2],
      9000,
    );
    expect(f).toEqual({
      port: 7000,
      shards: [0, 2],
      scriptCalls: 10_000,
      orders: 9000,
      cpuSeconds: 0.5,
      cpuMicrosPerCall: 50,
    });
  });

  it('times the last 1 % of the units from the 99th percentile unit to the last', () => {
    const soldAt = Array.from({ length: 200 }, (_, i) => i / 100); // 0 .. 1.99 s
    soldAt[199] = 5; // a straggler
    expect(lastShareSeconds(soldAt, 200)).toBeCloseTo(5 - 1.97);
    expect(lastShareSeconds(soldAt.slice(0, 150), 200)).toBeNaN(); // never sold out
  });
});
