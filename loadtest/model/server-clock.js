// @ts-check
/**
 * The server's clock against this one, as the driver and k6 read it before they time bots to
 * the opening: of a few round trips, the quickest bounds the error best (half its length),
 * and the server's time is taken to be that of the trip's middle.
 */

/**
 * @typedef {{ sentMs: number, receivedMs: number, serverMs: number }} ClockSample
 */

/**
 * The server's clock less this one, ms; 0 when no sample carried the server's time.
 * @param {ClockSample[]} samples  trips whose serverMs is NaN (no serverTime) are skipped
 * @returns {number}
 */
export function clockOffsetMs(samples) {
  let best = { rtt: Infinity, offset: 0 };
  for (const s of samples) {
    const rtt = s.receivedMs - s.sentMs;
    if (!isNaN(s.serverMs) && rtt < best.rtt) {
      best = { rtt: rtt, offset: s.serverMs - (s.sentMs + s.receivedMs) / 2 };
    }
  }
  return best.offset;
}
