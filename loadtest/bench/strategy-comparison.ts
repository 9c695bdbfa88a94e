import type { PurchaseBenchResult } from './purchase-run';

export interface StrategyComparison {
  rows: { metric: string; redis: number; postgres: number; ratio: number }[];
}

/**
 * The design against the baseline, metric by metric. Each ratio is "how many times better
 * Redis is": throughput divides Redis by Postgres, latency divides Postgres by Redis.
 */
export function compareStrategies(
  redis: PurchaseBenchResult,
  postgres: PurchaseBenchResult,
): StrategyComparison {
  const higher = (metric: string, r: number, p: number) => ({
    metric,
    redis: r,
    postgres: p,
    ratio: ratio(r, p),
  });
  const lower = (metric: string, r: number, p: number) => ({
    metric,
    redis: r,
    postgres: p,
    ratio: ratio(p, r),
  });
  return {
    rows: [
      higher('attempts/s overall', redis.attemptsPerSecond, postgres.attemptsPerSecond),
      higher(
        'attempts/s while selling',
        redis.sellingPhase.attemptsPerSecond,
        postgres.sellingPhase.attemptsPerSecond,
      ),
      higher('units sold/s', unitsPerSecond(redis), unitsPerSecond(postgres)),
      lower('p99 ms overall', redis.latencyMs.p99, postgres.latencyMs.p99),
      lower('p99 ms while selling', redis.sellingLatencyMs.p99, postgres.sellingLatencyMs.p99),
      lower('p50 ms overall', redis.latencyMs.p50, postgres.latencyMs.p50),
    ],
  };
}

/** Units sold per second up to the sell-out (or the end of the run if it never sold out). */
export function unitsPerSecond(r: PurchaseBenchResult): number {
  const ms = Number.isFinite(r.sellOutMs) && r.sellOutMs > 0 ? r.sellOutMs : r.elapsedMs;
  return Math.round(r.acceptedUnits / (ms / 1000));
}

function ratio(better: number, worse: number): number {
  if (!(worse > 0)) return NaN;
  return Math.round((better / worse) * 10) / 10;
}

export function formatComparison(c: StrategyComparison): string {
  const pad = (s: string, n: number) => s.padEnd(n);
  return [
    `${pad('metric', 28)}${pad('redis', 12)}${pad('postgres', 12)}redis is`,
    ...c.rows.map(
      (r) =>
        `${pad(r.metric, 28)}${pad(String(r.redis), 12)}${pad(String(r.postgres), 12)}${
          Number.isNaN(r.ratio) ? 'n/a' : `${r.ratio}x better`
        }`,
    ),
  ].join('\n');
}
