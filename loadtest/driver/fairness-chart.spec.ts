import { decileChart, fairnessChart } from './fairness-chart';
import type { FairnessFigures } from './fairness';
import type { RunResult } from './run-types';

/** A run with only what the chart reads: its fairness figures. */
function run(botShareOfUnits: number, winChances: number[]): RunResult {
  const fairness: Partial<FairnessFigures> = {
    botShareOfCrowd: 0.25,
    fairBand: [0.2, 0.3],
    botShareOfUnits,
    byLatencyDecile: winChances.map((winChance, k) => ({
      fromMs: k * 10,
      toMs: k * 10 + 9,
      buyers: 100,
      winChance,
    })),
  };
  return { fairness } as unknown as RunResult;
}

/** Every element closed: each <text> has its </text>, every other element closes itself. */
function balanced(svg: string): boolean {
  const count = (re: RegExp) => (svg.match(re) ?? []).length;
  const selfClosing = count(/<(rect|line|polyline)\b[^>]*\/>/g);
  const opened = count(/<(rect|line|polyline)\b/g);
  return (
    count(/<svg\b/g) === 1 &&
    count(/<\/svg>/g) === 1 &&
    count(/<text\b/g) === count(/<\/text>/g) &&
    selfClosing === opened
  );
}

describe('the fairness chart', () => {
  const runs = [
    { defence: 'bare', result: run(1, [0.9, 0.5, 0, 0, 0, 0, 0, 0, 0, 0]) },
    { defence: 'bare', result: run(0.98, [0.8, 0.5, 0, 0, 0, 0, 0, 0, 0, 0]) },
    { defence: 'shuffled <pow>', result: run(0.25, Array<number>(10).fill(0.2)) },
  ];

  it('is well-formed SVG, one bar and one line per defence (its last run), names escaped', () => {
    const svg = fairnessChart(runs);
    expect(balanced(svg)).toBe(true);
    expect(svg).toContain('shuffled &lt;pow&gt;');
    expect(svg).not.toContain('<pow>');
    const polylines = [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) => m[1]);
    expect(polylines).toHaveLength(2);
    for (const points of polylines) expect(points.split(' ')).toHaveLength(10);
    // The bare line's last run: 98.0 %; its first (100.0 %) is not drawn.
    expect(svg).toContain('>98.0 %<');
    expect(svg).not.toContain('>100.0 %<');
    expect(svg).toContain('their share of the crowd (25.0 %)');
  });

  it('draws a single run\u2019s deciles for its own page', () => {
    const svg = decileChart(runs[2].result);
    expect(balanced(svg)).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(1);
  });
});
