import { operatorReadyTimes, solveSeconds } from '../model/bot-cohort.js';
import { seededRandom } from '../model/prng.js';
import { kendallTauB } from './fairness';

/** Kendall's tau-b by counting every pair, to check the O(n log n) one against. */
function bruteTauB(x: number[], y: number[]): number {
  let concordant = 0;
  let discordant = 0;
  let tiedX = 0;
  let tiedY = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const sy = y[i] === y[j] ? 0 : y[i] < y[j] ? -1 : 1;
      if (dx === 0) tiedX++;
      if (sy === 0) tiedY++;
      if (dx !== 0 && sy !== 0) {
        if (dx === sy) concordant++;
        else discordant++;
      }
    }
  }
  const pairs = (x.length * (x.length - 1)) / 2;
  return (concordant - discordant) / Math.sqrt((pairs - tiedX) * (pairs - tiedY));
}

describe('fairness figures', () => {
  it("Kendall's tau-b: 1 for the same order, -1 for the reverse, ties and Infinity handled", () => {
    expect(kendallTauB([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1);
    expect(kendallTauB([1, 2, 3, 4], [40, 30, 20, 10])).toBeCloseTo(-1);
    expect(kendallTauB([1, 2, 3, 4], [1, 2, Infinity, Infinity])).toBeCloseTo(
      bruteTauB([1, 2, 3, 4], [1, 2, Infinity, Infinity]),
    );
    const random = seededRandom(7);
    for (let round = 0; round < 20; round++) {
      const n = 2 + Math.floor(random() * 60);
      const x = Array.from({ length: n }, () => Math.floor(random() * 10));
      const y = Array.from({ length: n }, () =>
        random() < 0.3 ? Infinity : Math.floor(random() * 8),
      );
      expect(kendallTauB(x, y)).toBeCloseTo(bruteTauB(x, y), 10);
    }
  });

  it('a proof of work takes geometric tries: the mean is 2^d hashes', () => {
    const random = seededRandom(11);
    const draws = Array.from({ length: 20_000 }, () => solveSeconds(10, 1, random));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean / 1024).toBeGreaterThan(0.95);
    expect(mean / 1024).toBeLessThan(1.05);
  });

  it("an operator's cores take its accounts in turn", () => {
    expect(operatorReadyTimes([1, 1, 1, 1, 1], 2)).toEqual([1, 1, 2, 2, 3]);
    expect(operatorReadyTimes([3, 1, 1], 2)).toEqual([3, 1, 2]);
  });
});
