/** The run's time: seconds from the sale's opening, and the hard cap after it. */
export class RunClock {
  constructor(
    /** Epoch milliseconds of the opening. */
    readonly opensAt: number,
    readonly limitSeconds: number,
  ) {}

  /** Run seconds since the opening (negative before it). */
  since(): number {
    return (Date.now() - this.opensAt) / 1000;
  }

  expired(): boolean {
    return this.since() > this.limitSeconds;
  }

  /** Milliseconds until the cap: nothing that waits may wait past it. */
  untilLimitMs(): number {
    return Math.max(0, this.opensAt + this.limitSeconds * 1000 - Date.now());
  }

  /** Milliseconds until the opening, less `leadMs`. */
  untilOpeningMs(leadMs = 0): number {
    return Math.max(0, this.opensAt - leadMs - Date.now());
  }
}
