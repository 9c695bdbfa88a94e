/**
 * The run's work in flight: buyers started by the phases, and payments started by buyers.
 * Buyers may start more buyers (a pre-queue join starts its buyer's wait), so settling
 * waits until a pass finds nothing new.
 */
export class RunWork {
  private readonly buyers: Promise<void>[] = [];
  private readonly payments: Promise<void>[] = [];

  start(buyer: Promise<void>): void {
    this.buyers.push(buyer);
  }

  pay(payment: Promise<void>): void {
    this.payments.push(payment);
  }

  async settle(): Promise<void> {
    for (let settled = 0; settled < this.buyers.length; ) {
      const batch = this.buyers.slice(settled);
      settled = this.buyers.length;
      await Promise.all(batch);
    }
    await Promise.all(this.payments);
  }
}
