/**
 * How the order pipeline retries. A persistence job carries accepted orders: dropping it
 * would lose orders whose buyers were told 202. So it has no attempt limit; it waits longer
 * between attempts (doubling from ORDER_JOB_BACKOFF_MS up to ORDER_JOB_BACKOFF_MAX_MS) for
 * as long as Postgres is away, and the worker replays any that still end up failed.
 */

/** BullMQ keeps `attemptsMade < attempts`; this bound is never reached in practice. */
export const UNLIMITED_ATTEMPTS = Number.MAX_SAFE_INTEGER;

/** The backoff type persistence jobs name; the worker implements it (cappedBackoffMs). */
export const CAPPED_BACKOFF = 'capped-exponential';

/** Expiry jobs may give up: the repeating sweep expires whatever they miss. */
export const EXPIRY_JOB_ATTEMPTS = 5;

/**
 * Delay before the next attempt: base × 2^(attempts − 1), capped, with "equal jitter" (half
 * fixed, half random) so a thousand jobs that failed together do not retry together.
 */
export function cappedBackoffMs(
  attemptsMade: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attemptsMade - 1, 0), 40);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
