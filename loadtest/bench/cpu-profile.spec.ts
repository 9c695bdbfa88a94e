import {
  CpuProfile,
  flameGraphSvg,
  foldStacks,
  samplesOf,
  stageCosts,
  stageOf,
} from './cpu-profile';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

/** root -> handler (in the API) -> ioredis write; root -> (idle); root -> (garbage collector). */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5, 6] },
    {
      id: 2,
      callFrame: frame('purchase', 'file:///app/dist/apps/api/src/sales/sales.controller.js'),
      children: [3],
    },
    {
      id: 3,
      callFrame: frame('sendCommand', 'file:///app/node_modules/ioredis/built/Redis.js'),
      children: [4],
    },
    { id: 4, callFrame: frame('writev') },
    { id: 5, callFrame: frame('(idle)') },
    { id: 6, callFrame: frame('(garbage collector)') },
  ],
  startTime: 1000,
  endTime: 1600,
  // Samples at t = 1100, 1200, 1300, 1400, 1500, each standing for 100 µs (the last for 0).
  samples: [2, 3, 4, 5, 6],
  timeDeltas: [100, 100, 100, 100, 100],
};

describe('reading a CPU profile', () => {
  it('keeps the samples of a window, each with its stack from the root', () => {
    const all = samplesOf(profile);
    expect(all).toHaveLength(5);
    expect(all[2].stack.map((f) => f.functionName)).toEqual(['purchase', 'sendCommand', 'writev']);
    expect(samplesOf(profile, 1150, 1350).map((s) => s.stack.at(-1)?.functionName)).toEqual([
      'sendCommand',
      'writev',
    ]);
  });

  it('puts a sample in the stage of its innermost recognised frame', () => {
    const [handler, redis, write] = samplesOf(profile);
    expect(stageOf(handler.stack)).toBe('purchase logic');
    expect(stageOf(redis.stack)).toBe('Redis client (ioredis)');
    // A socket write is the kernel's work, whoever asked for it.
    expect(stageOf(write.stack)).toBe('Node HTTP and sockets');
    expect(stageOf([frame('mystery', 'file:///x.js')])).toBe('other');
  });

  it('divides each stage by the requests served', () => {
    const costs = stageCosts(samplesOf(profile), 4);
    expect(costs.find((c) => c.stage === 'purchase logic')?.usPerRequest).toBe(25);
    expect(costs.find((c) => c.stage === 'idle')?.usPerRequest).toBe(25);
    expect(costs.reduce((sum, c) => sum + c.share, 0)).toBeCloseTo(1);
  });

  it('folds stacks and draws them as an SVG whose widths follow time', () => {
    const folded = foldStacks(samplesOf(profile));
    expect(folded.get('purchase apps/api/src/sales/sales.controller.js:1')).toBe(100);
    expect(folded.size).toBe(4); // the last sample stands for no time
    const svg = flameGraphSvg(folded, 'a <test>');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a &lt;test&gt;');
    expect(svg).not.toMatch(/Y\(\d+\)/);
    // Every frame (a rect with a title, unlike the background) has a colour of bytes.
    const colours = [...svg.matchAll(/rgb\((-?\d+),(-?\d+),(-?\d+)\)/g)];
    expect(colours.length).toBe((svg.match(/<\/title><rect /g) ?? []).length);
    expect(colours.length).toBeGreaterThan(0);
    const components = colours.flatMap(([, r, g, b]) => [r, g, b].map(Number));
    expect(components.filter((c) => c < 0 || c > 255)).toEqual([]);
    const widths = [...svg.matchAll(/<title>(\S+)[^<]*<\/title><rect [^>]*width="([\d.]+)"/g)];
    const root = widths.find((w) => w[1] === 'all');
    const idle = widths.find((w) => w[1] === '(idle)');
    expect([root?.[1], idle?.[1]]).toEqual(['all', '(idle)']);
    expect(Number(idle![2])).toBeCloseTo(Number(root![2]) / 4, 1);
  });
});
