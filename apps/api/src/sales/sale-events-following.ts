import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InventoryService, SoldOutRegistry } from '@flash/inventory';

/** How often an instance looks for active sales it does not follow yet. */
export const FOLLOW_ACTIVE_SALES_MS = 2000;

/**
 * Puts the API instance on the events of every active sale before its buyers arrive: at
 * start, every few seconds after (sales another instance created), and at once for a sale
 * this instance creates. A sale first met in a purchase answer is followed from there too.
 */
@Injectable()
export class SaleEventsFollowing implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SaleEventsFollowing.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly inventory: InventoryService,
    private readonly events: SoldOutRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const round = () =>
      this.followActive().catch((err: Error) =>
        this.logger.warn(`listing the active sales to follow failed: ${err.message}`),
      );
    void round();
    this.timer = setInterval(() => void round(), FOLLOW_ACTIVE_SALES_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** A sale just created here: followed before its creation is answered. */
  async followNew(saleId: string): Promise<void> {
    await this.events
      .follow(saleId)
      .catch((err: Error) => this.logger.warn(`following sale ${saleId} failed: ${err.message}`));
  }

  private async followActive(): Promise<void> {
    for (const saleId of await this.inventory.activeSaleIds()) this.events.watch(saleId);
  }
}
