import type { PurchaseBenchResult } from './purchase-run';
import { compareStrategies, formatComparison, unitsPerSecond } from './strategy-comparison';

function result(fields: Partial<PurchaseBenchResult>): PurchaseBenchResult {
  return {
    attemptsPerSecond: 0,
    sellingPhase: { attempts: 0, ms: 0, attemptsPerSecond: 0 },
    latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 },
    sellingLatencyMs: { p50: 0, p99: 0 },
    acceptedUnits: 0,
    sellOutMs: NaN,
    elapsedMs: 1000,
    ...fields,
  } as PurchaseBenchResult;
}

describe('compareStrategies', () => {
  const redis = result({
    attemptsPerSecond: 12_000,
    sellingPhase: { attempts: 20_000, ms: 2500, attemptsPerSecond: 8000 },
    latencyMs: { p50: 5, p95: 10, p99: 20, max: 40 },
    sellingLatencyMs: { p50: 8, p99: 25 },
    acceptedUnits: 20_000,
    sellOutMs: 2500,
  });
  const postgres = result({
    attemptsPerSecond: 600,
    sellingPhase: { attempts: 12_000, ms: 20_000, attemptsPerSecond: 600 },
    latencyMs: { p50: 150, p95: 180, p99: 200, max: 300 },
    sellingLatencyMs: { p50: 150, p99: 200 },
    acceptedUnits: 12_000,
    elapsedMs: 20_000,
  });

  it('divides throughput by the baseline and the baseline latency by the design', () => {
    const rows = Object.fromEntries(
      compareStrategies(redis, postgres).rows.map((r) => [r.metric, r.ratio]),
    );
    expect(rows['attempts/s overall']).toBe(20);
    expect(rows['attempts/s while selling']).toBe(13.3);
    expect(rows['units sold/s']).toBe(13.3);
    expect(rows['p99 ms overall']).toBe(10);
    expect(rows['p99 ms while selling']).toBe(8);
    expect(rows['p50 ms overall']).toBe(30);
  });

  it('counts units per second to the sell-out, or over the whole run without one', () => {
    expect(unitsPerSecond(redis)).toBe(8000);
    expect(unitsPerSecond(postgres)).toBe(600);
  });

  it('prints n/a rather than dividing by zero', () => {
    const text = formatComparison(compareStrategies(redis, result({})));
    expect(text).toContain('n/a');
    expect(text).not.toContain('Infinity');
  });
});
