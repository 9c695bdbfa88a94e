import { assertLoopback, checkInvariants, maxOf, percentile } from './bench-support';

describe('bench support', () => {
  it('only targets loopback', () => {
    expect(assertLoopback('http://127.0.0.1:3000').port).toBe('3000');
    expect(assertLoopback('http://localhost:3000').hostname).toBe('localhost');
    expect(assertLoopback('http://[::1]:3000').hostname).toBe('[::1]');
    expect(() => assertLoopback('http://10.0.0.5:3000')).toThrow(/loopback/);
    expect(() => assertLoopback('http://example.com')).toThrow(/loopback/);
  });

  it('finds the largest of a million values without overflowing the stack', () => {
    const many = new Map(Array.from({ length: 1_000_000 }, (_, i) => [i, i % 3]));
    expect(maxOf(many.values())).toBe(2);
    expect(maxOf([])).toBe(0);
  });

  it('computes nearest-rank percentiles', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('flags each broken invariant', () => {
    const good = {
      saleId: 's',
      stock: 10,
      remaining: 2,
      held: 8,
      paid: 0,
      ordersPersisted: 8,
      unitsPersisted: 8,
      pipelineLag: 0,
    };
    expect(checkInvariants(good, 8, 1, 1).every((i) => i.ok)).toBe(true);
    const failed = (stats: typeof good, accepted: number, perBuyer: number) =>
      checkInvariants(stats, accepted, perBuyer, 1)
        .filter((i) => !i.ok)
        .map((i) => i.name);
    expect(failed({ ...good, held: 9 }, 8, 1)).toEqual([
      'conservation',
      'Redis and Postgres agree',
    ]);
    expect(failed(good, 9, 1)).toEqual(['every 202 counted']);
    expect(failed({ ...good, pipelineLag: 3 }, 8, 1)).toEqual(['Redis and Postgres agree']);
    expect(failed(good, 8, 2)).toEqual(['per-user limit']);
  });
});
