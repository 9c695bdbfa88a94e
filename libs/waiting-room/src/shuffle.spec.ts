import { seededRandom } from '../../../loadtest/model/prng.js';
import { shuffleInPlace } from './shuffle';

/**
 * The distribution tests draw from a seeded generator, so they test the algorithm (a biased
 * Fisher-Yates fails them) and cannot fail by the chance a statistical test otherwise has.
 */
function seeded(seed: number): (max: number) => number {
  const next = seededRandom(seed);
  return (max) => Math.floor(next() * max);
}

describe('shuffleInPlace', () => {
  it('keeps every element exactly once', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    const shuffled = shuffleInPlace([...items]);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
  });

  it('puts each element in each place about equally often (chi-square)', () => {
    const n = 5;
    const rounds = 50_000;
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const random = seeded(2012);
    for (let r = 0; r < rounds; r++) {
      shuffleInPlace([0, 1, 2, 3, 4], random).forEach((value, place) => counts[value][place]++);
    }
    const expected = rounds / n;
    let chi = 0;
    for (const row of counts) for (const c of row) chi += (c - expected) ** 2 / expected;
    // 16 degrees of freedom ((n-1)^2): the 99.99th percentile is about 42.3.
    expect(chi).toBeLessThan(42.3);
  });

  it('draws every permutation of three with its share', () => {
    const seen = new Map<string, number>();
    const random = seeded(2014);
    for (let r = 0; r < 60_000; r++) {
      const key = shuffleInPlace(['a', 'b', 'c'], random).join('');
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect(seen.size).toBe(6);
    for (const count of seen.values()) expect(Math.abs(count - 10_000)).toBeLessThan(600);
  });
});
