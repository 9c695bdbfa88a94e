/** How long a client waits after a 503 when nothing better is known: outages here are brief. */
export const UNAVAILABLE_RETRY_SECONDS = 1;

/**
 * The one Retry-After rule: a delay the refusal gives wins; a 503 without one says
 * UNAVAILABLE_RETRY_SECONDS; any other answer has none.
 */
export function retryAfterSeconds(status: number, given?: number): number | undefined {
  return given ?? (status === 503 ? UNAVAILABLE_RETRY_SECONDS : undefined);
}
