/**
 * How many Postgres lookups of sale ids this process does not know it may make per second. A
 * known sale is cached for good and never asks; a flood of made-up ids (each a lookup, each
 * different, so no cache helps) is held to this budget instead of to Postgres's capacity.
 */
export class LookupBudget {
  private second = 0;
  private used = 0;

  constructor(private readonly perSecond: number) {}

  take(nowMs = Date.now()): boolean {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      this.second = second;
      this.used = 0;
    }
    if (this.used >= this.perSecond) return false;
    this.used++;
    return true;
  }
}
