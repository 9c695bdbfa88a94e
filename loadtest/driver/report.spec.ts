import type { RunResult } from './run-scenario';
import {
  cpuRows,
  escapeXml,
  formatDuration,
  niceCeil,
  referenceSeconds,
  renderChart,
  renderPage,
  speedUp,
} from './report';
import { headlineTable } from './headline';

function run(fields: Partial<RunResult> = {}): RunResult {
  return {
    at: '2026-11-22T15:00:00.000Z',
    scenario: 'youth-2012',
    title: 'Xiaomi M1 youth <edition> & co',
    mode: 'max',
    scale: 1,
    timeScale: 1,
    connections: 200,
    historicSellOutSeconds: 652,
    timeCompression: 1,
    saleId: '00000000-0000-4000-8000-000000000000',
    units: 1000,
    buyers: 5000,
    targetSellOutSeconds: null,
    runSeconds: 12,
    attempts: 7000,
    attemptsPerSecond: 583,
    outcomes: { accepted: 1000, SOLD_OUT: 4000 },
    latencyMs: { p50: 3, p95: 8, p99: 12 },
    payLatencyMs: { p50: 25, p99: 60 },
    sellingLatencyMs: { p50: 4, p95: 9, p99: 14 },
    unitsSold: 1000,
    unitsPaid: 900,
    sellOutSeconds: 10,
    persistedAfterSellOutSeconds: 0.05,
    unitsOverTime: [
      { t: 5, units: 600 },
      { t: 10, units: 1000 },
    ],
    latencyOverTime: [
      { t: 5, count: 3000, p50: 3, p95: 8, p99: 12 },
      { t: 10, count: 4000, p50: 2, p95: 5, p99: 9 },
    ],
    finalStats: {
      saleId: '00000000-0000-4000-8000-000000000000',
      stock: 1000,
      remaining: 0,
      held: 100,
      paid: 900,
      ordersPersisted: 1000,
      unitsPersisted: 1000,
      pipelineLag: 0,
    },
    invariants: [{ name: 'no oversell', ok: true, detail: 'held 100 + paid 900 of 1000' }],
    ...fields,
  };
}

describe('report arithmetic', () => {
  it('compares max mode with the historic pace for the units run', () => {
    expect(referenceSeconds(run())).toBe(652);
    expect(referenceSeconds(run({ scale: 0.1 }))).toBeCloseTo(65.2);
    expect(speedUp(run())).toBeCloseTo(65.2);
  });

  it('compares historic mode with its own target', () => {
    const historic = run({ mode: 'historic', targetSellOutSeconds: 6.52, sellOutSeconds: 6.4 });
    expect(referenceSeconds(historic)).toBe(6.52);
    expect(speedUp(historic)).toBeCloseTo(1.01875);
    expect(speedUp(run({ sellOutSeconds: null }))).toBeNull();
  });

  it('rounds axes up to 1, 2 or 5 times a power of ten', () => {
    expect([0.07, 1, 3, 7.5, 12, 150_000, 652].map(niceCeil)).toEqual([
      0.1, 1, 5, 10, 20, 200_000, 1000,
    ]);
    expect(niceCeil(0)).toBe(1);
  });

  it('formats durations like the historic headlines', () => {
    expect(formatDuration(3.456)).toBe('3.46 s');
    expect(formatDuration(652)).toBe('10 min 52 s');
    expect(formatDuration(122_400)).toBe('34 h 0 min');
  });
});

describe('report rendering', () => {
  it('draws the run, the historic line when it fits, and the three percentiles', () => {
    const svg = renderChart(run({ historicSellOutSeconds: 30 }));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(5);
    expect(svg).toContain('historic pace (average)');
    expect(svg).toContain('sold out in 10.0 s (historic pace 30.0 s, 3.0x)');
  });

  it('names the historic line instead of drawing it when it lies far off the chart', () => {
    const svg = renderChart(run());
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    expect(svg).toContain('historic pace: 10 min 52 s, off this chart');
  });

  it('escapes text and shows every invariant on the page', () => {
    const html = renderPage(
      run({ invariants: [{ name: 'conservation', ok: false, detail: '1 + 2 <> 4' }] }),
    );
    expect(html).toContain('Xiaomi M1 youth &lt;edition&gt; &amp; co');
    expect(html).not.toContain('<edition>');
    expect(html).toContain(
      '<td class="fail">FAIL</td><td>conservation</td><td>1 + 2 &lt;&gt; 4</td>',
    );
    expect(escapeXml(`"'`)).toBe('&quot;&#39;');
    expect(html).toContain(
      '<tr><th>purchase latency until the sell-out</th><td>p50 4.00 ms, p95 9.00 ms, p99 14.00 ms</td></tr>',
    );
    expect(html).toContain('<tr><th>pay latency</th><td>p50 25.00 ms, p99 60.00 ms</td></tr>');
    expect(html).not.toContain('queue joins');
  });

  it('shows the sale mechanisms of runs that have them', () => {
    const html = renderPage(
      run({
        mechanics: {
          registrations: { attempted: 900, registered: 900, perSecond: 2800, seconds: 0.3 },
          fcodes: { issued: 30, redeemed: 29 },
          queue: {
            joins: 5000,
            joinsPerSecond: 150,
            admitted: 1470,
            admissionsPerSecond: 45,
            joinToAdmitSeconds: { p50: 18, p99: 34.5 },
            joinToPaySeconds: { p50: 26.7, p99: 46.2 },
            soldOutSeen: 3900,
            followers: 50,
            sseReconnects: 0,
          },
        },
      }),
    );
    expect(html).toContain('<tr><th>registrations</th><td>900 of 900 in 0.3 s (2800/s)</td></tr>');
    expect(html).toContain('<tr><th>F-codes redeemed</th><td>29 of 30</td></tr>');
    expect(html).toContain('<tr><th>admissions</th><td>1470 (45/s), 3900 told sold out</td></tr>');
    expect(html).toContain('<tr><th>join to payment</th><td>p50 26.70 s, p99 46.20 s</td></tr>');
  });

  it('shows the CPU each tier spent while the sale sold, for runs that measured it', () => {
    expect(cpuRows(run())).toEqual([]);
    const cpu = {
      seconds: 20,
      units: 50_000,
      machineCores: 1.9,
      tiers: {
        api: { cores: 0.65, microsecondsPerUnit: 260 },
        driver: { cores: 0.35, microsecondsPerUnit: 140 },
      },
    };
    expect(cpuRows(run({ cpu }))).toEqual([
      ['CPU while selling', '20.0 s, 50000 units; the machine 1.90 cores busy'],
      ['  api', '0.65 cores, 260 µs per unit'],
      ['  driver', '0.35 cores, 140 µs per unit'],
    ]);
    expect(renderPage(run({ cpu }))).toContain(
      '<tr><th>  api</th><td>0.65 cores, 260 µs per unit</td></tr>',
    );
  });
});

describe('headline table', () => {
  it('keeps the latest full-size run per scenario and mode, in historic order', () => {
    const table = headlineTable([
      run({
        scenario: 'youth-2012',
        units: 150_000,
        sellOutSeconds: 21.7,
        at: '2026-11-22T15:00:00Z',
      }),
      run({
        scenario: 'youth-2012',
        units: 150_000,
        sellOutSeconds: 30,
        at: '2026-11-22T14:00:00Z',
      }),
      run({ scenario: 'youth-2012', units: 7_500, scale: 0.05, sellOutSeconds: 1 }),
      run({
        scenario: 'youth-2012',
        units: 150_000,
        mode: 'historic',
        targetSellOutSeconds: 652,
        sellOutSeconds: 650.2,
      }),
      run({
        scenario: 'm1-2011',
        units: 300_000,
        historicSellOutSeconds: 122_400,
        sellOutSeconds: 61.2,
        persistedAfterSellOutSeconds: null,
      }),
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe(
      '| m1-2011 | 300,000 | 34 h 0 min | 1 min 1 s | 2,000x | 14.0 | n/a | not run |',
    );
    expect(lines[3]).toBe(
      '| youth-2012 | 150,000 | 10 min 52 s | 21.7 s | 30x | 14.0 | 0.05 s | 10 min 50 s (target 10 min 52 s) |',
    );
  });
});
