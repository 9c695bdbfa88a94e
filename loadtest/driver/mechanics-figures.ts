import { latencyPercentiles } from '../bench/bench-support';
export interface MechanicsFigures {
  registrations?: { attempted: number; registered: number; perSecond: number; seconds: number };
  fcodes?: { issued: number; redeemed: number };
  queue?: {
    joins: number;
    /** Over the whole run: the pre-queue burst, then arrivals on the historic schedule. */
    joinsPerSecond: number;
    /** The pre-queue alone: buyers joining in the seconds before the opening. */
    preQueueJoins?: number;
    preQueueJoinsPerSecond?: number;
    admitted: number;
    admissionsPerSecond: number;
    /** From the join's answer to the first sight of the admission, seconds. */
    joinToAdmitSeconds: { p50: number; p99: number };
    /** From the join's answer to the payment's answer, seconds. */
    joinToPaySeconds: { p50: number; p99: number };
    soldOutSeen: number;
    followers: number;
    /** Streams opened again after one broke off. */
    sseReconnects: number;
  };
}

/** Events per second over the span they happened in (a burst in one instant counts once). */
export function ratePerSecond(times: readonly number[]): number {
  if (times.length === 0) return 0;
  let first = Infinity;
  let last = -Infinity;
  for (const t of times) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  return Math.round(times.length / Math.max(last - first, 0.001));
}

export function secondsPercentiles(values: readonly number[]): { p50: number; p99: number } {
  const p = latencyPercentiles([...values]);
  return { p50: p.p50, p99: p.p99 };
}
