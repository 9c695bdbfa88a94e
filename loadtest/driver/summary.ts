import { latencyPercentiles } from '../bench/bench-support';

/** The report's arithmetic: units sold over time, the sell-out moment, latency by window. */
export interface SaleEvent {
  /** Seconds since the opening. */
  t: number;
  units: number;
}

export interface LatencySample {
  t: number;
  ms: number;
}

/** Cumulative units sold at the end of each bucket, from the opening to the last event. */
export function unitsOverTime(
  events: readonly SaleEvent[],
  bucketSeconds: number,
): { t: number; units: number }[] {
  if (!(bucketSeconds > 0)) throw new RangeError('bucketSeconds must be > 0');
  const last = events.reduce((m, e) => Math.max(m, e.t), 0);
  const buckets = Math.max(1, Math.ceil(last / bucketSeconds));
  const perBucket = new Array<number>(buckets).fill(0);
  for (const e of events)
    perBucket[Math.min(buckets - 1, Math.floor(e.t / bucketSeconds))] += e.units;
  let total = 0;
  return perBucket.map((units, i) => ({ t: (i + 1) * bucketSeconds, units: (total += units) }));
}

/** When the cumulative units first reached the stock, or null if they never did. */
export function sellOutTime(events: readonly SaleEvent[], stock: number): number | null {
  let total = 0;
  for (const e of [...events].sort((a, b) => a.t - b.t)) {
    total += e.units;
    if (total >= stock) return e.t;
  }
  return null;
}

/** p50/p95/p99 of the latencies in each window of `windowSeconds`. */
export function latencyByWindow(
  samples: readonly LatencySample[],
  windowSeconds: number,
): { t: number; count: number; p50: number; p95: number; p99: number }[] {
  if (!(windowSeconds > 0)) throw new RangeError('windowSeconds must be > 0');
  const windows = new Map<number, number[]>();
  for (const s of samples) {
    const w = Math.floor(s.t / windowSeconds);
    (windows.get(w) ?? windows.set(w, []).get(w)!).push(s.ms);
  }
  return [...windows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([w, values]) => ({
      t: (w + 1) * windowSeconds,
      count: values.length,
      ...latencyPercentiles(values),
    }));
}
