/**
 * Start-up against a database that may not answer yet (compose starts everything at once,
 * and a restarting Postgres refuses connections for a while). Only errors that mean "not
 * there yet" are retried; a wrong password or a missing database fails at once.
 */
const NOT_YET = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT']);
/** SQLSTATE cannot_connect_now: the server is starting up or shutting down. */
const STARTING_UP = '57P03';

export function databaseNotAnsweringYet(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  if (typeof e.code === 'string' && (NOT_YET.has(e.code) || e.code === STARTING_UP)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|timeout expired/i.test(message);
}

export interface WaitOptions {
  /** Give up after this long. */
  waitMs: number;
  /** Pause between tries. */
  intervalMs?: number;
  onRetry?: (err: unknown, elapsedMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Calls `connect` until it succeeds, fails for another reason, or `waitMs` has passed. */
export async function waitForDatabase<T>(connect: () => Promise<T>, opts: WaitOptions): Promise<T> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  for (;;) {
    try {
      return await connect();
    } catch (err) {
      const elapsed = now() - started;
      if (!databaseNotAnsweringYet(err) || elapsed >= opts.waitMs) throw err;
      opts.onRetry?.(err, elapsed);
      await sleep(Math.min(opts.intervalMs ?? 1000, opts.waitMs - elapsed));
    }
  }
}
