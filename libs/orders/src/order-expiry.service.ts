import { Injectable, Logger } from '@nestjs/common';
import { InventoryService } from '@flash/inventory';

const BATCH = 500;

/**
 * Expires orders whose payment deadline has passed. Run on time by a delayed job per
 * relayed batch, and periodically by a sweep for whatever a late or lost job missed.
 * Both go through close-order.lua, so an order expires once however often it is tried,
 * and never if it was paid or cancelled first.
 */
@Injectable()
export class OrderExpiryService {
  private readonly logger = new Logger(OrderExpiryService.name);

  constructor(private readonly inventory: InventoryService) {}

  /** Expires every due order of one sale; returns how many this call expired. */
  async expireDue(saleId: string): Promise<number> {
    let expired = 0;
    for (;;) {
      const due = await this.inventory.dueOrders(saleId, BATCH);
      if (due.length === 0) return expired;
      const results = await Promise.all(
        due.map((id) => this.inventory.closeOrder(saleId, id, 'expired')),
      );
      expired += results.filter((r) => r.kind === 'closed').length;
      if (due.length < BATCH) return expired;
    }
  }

  /** Every active sale. */
  async sweep(): Promise<number> {
    let expired = 0;
    for (const saleId of await this.inventory.activeSaleIds())
      expired += await this.expireDue(saleId);
    if (expired > 0) this.logger.log(`sweep expired ${expired} orders`);
    return expired;
  }
}
