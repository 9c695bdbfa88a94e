import { spreadOf } from './bench-support';
import { Burst, comparePath, parseWrkResult, roundOrder } from './floor-run';

const burst = (perSecond: number, p99Ms: number): Burst => ({
  attempts: perSecond * 5,
  perSecond,
  p50Ms: p99Ms / 3,
  p99Ms,
  statuses: { '409': perSecond * 5 },
});

describe('the floor comparison', () => {
  it('takes each ratio within a round, then min, median and max over the rounds', () => {
    const c = comparePath('script', [
      { api: burst(700, 20), floor: burst(1000, 10) },
      { api: burst(900, 30), floor: burst(1000, 20) },
      { api: burst(400, 40), floor: burst(800, 10) },
    ]);
    expect(c.throughputRatio).toEqual({ min: 0.5, median: 0.7, max: 0.9 });
    expect(c.p99Ratio).toEqual({ min: 1.5, median: 2, max: 4 });
    expect(c.floor.perSecond).toEqual({ min: 800, median: 1000, max: 1000 });
  });

  it('alternates which side goes first', () => {
    expect([0, 1, 2].map(roundOrder)).toEqual([
      ['api', 'floor'],
      ['floor', 'api'],
      ['api', 'floor'],
    ]);
  });

  it("reads wrk's result line", () => {
    const out =
      'Running 5s test\n  1 threads and 100 connections\n' +
      'WRK_RESULT {"requests":50000,"durationUs":5000000,"non2xx":49990,"socketErrors":2,"p50Us":6100,"p99Us":25000}\n';
    expect(parseWrkResult(out)).toEqual({
      attempts: 50000,
      perSecond: 10000,
      p50Ms: 6.1,
      p99Ms: 25,
      statuses: { '2xx': 10, '4xx/5xx': 49990, '0': 2 },
    });
    expect(() => parseWrkResult('no result')).toThrow(/no result/);
  });

  it('gives the lower middle as the median of an even count', () => {
    expect(spreadOf([4, 1, 3, 2])).toEqual({ min: 1, median: 2, max: 4 });
  });
});
