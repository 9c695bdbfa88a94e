/**
 * The server's clock as seen from here: the sale opens by Redis's clock, not the browser's.
 * Each sample is a GET whose answer carries serverTime; the sample with the shortest round
 * trip wins, and the server's reading is placed at its midpoint.
 */
export class ServerClock {
  private offsetMs = 0;
  private bestRoundTripMs = Infinity;

  /** Takes one sample: the server's time and when the request left and came back. */
  sample(serverTime: string, sentAt: number, receivedAt: number): void {
    const roundTrip = receivedAt - sentAt;
    if (roundTrip > this.bestRoundTripMs) return;
    this.bestRoundTripMs = roundTrip;
    this.offsetMs = Date.parse(serverTime) - (sentAt + roundTrip / 2);
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** How far the browser's clock is from the server's (ms; positive: the browser is behind). */
  get offset(): number {
    return this.offsetMs;
  }

  /** The precision of the best sample: half its round trip. */
  get uncertaintyMs(): number {
    return this.bestRoundTripMs / 2;
  }
}
