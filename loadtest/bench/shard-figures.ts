/**
 * The figures of one shard benchmark round, from what each primary's INFO said before and
 * after and from when each unit sold: pure, so a unit test holds them.
 */

/** What one primary's INFO gives the benchmark. */
export interface PrimarySample {
  /** Script calls (EVALSHA and EVAL) so far. */
  scriptCalls: number;
  /** CPU seconds of the server process (user + system). */
  cpuSeconds: number;
}

/** Reads the script calls and CPU seconds out of `INFO commandstats` and `INFO cpu` text. */
export function parseInfo(commandstats: string, cpu: string): PrimarySample {
  const calls = (name: string) =>
    Number(new RegExp(`^cmdstat_${name}:calls=(\\d+)`, 'm').exec(commandstats)?.[1] ?? 0);
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
  return {
    scriptCalls: calls('evalsha') + calls('eval'),
    cpuSeconds: field('used_cpu_user') + field('used_cpu_sys'),
  };
}

export interface PrimaryFigures {
  port: number;
  /** The sale's shards this primary holds. */
  shards: number[];
  scriptCalls: number;
  /** Orders accepted in the shards it holds. */
  orders: number;
  cpuSeconds: number;
  /** CPU microseconds per script call (purchases and transfer steps). */
  cpuMicrosPerCall: number;
}

export function primaryFigures(
  port: number,
  before: PrimarySample,
  after: PrimarySample,
  shards: number[],
  orders: number,
): PrimaryFigures {
  const scriptCalls = after.scriptCalls - before.scriptCalls;
  const cpuSeconds = after.cpuSeconds - before.cpuSeconds;
  return {
    port,
    shards,
    scriptCalls,
    orders,
    cpuSeconds,
    cpuMicrosPerCall: scriptCalls > 0 ? (cpuSeconds * 1e6) / scriptCalls : 0,
  };
}

/**
 * How long the last `share` of the units took to sell: from the moment the units sold
 * reached (1 - share) of the stock to the last one. `soldAt` are the seconds each unit sold.
 */
export function lastShareSeconds(soldAt: readonly number[], units: number, share = 0.01): number {
  if (soldAt.length < units || units === 0) return Number.NaN;
  const sorted = [...soldAt].sort((a, b) => a - b);
  const mark = Math.max(0, Math.ceil(units * (1 - share)) - 1);
  return sorted[units - 1] - sorted[mark];
}
