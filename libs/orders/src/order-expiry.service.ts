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

  /** Expires every due order of one sale (of each of its shards); returns how many it expired. */
  async expireDue(saleId: string): Promise<number> {
    const shards = await this.inventory.shards.of(saleId);
    let expired = 0;
    for (let shard = 0; shard < shards; shard++) expired += await this.expireShard(saleId, shard);
    return expired;
  }

  private async expireShard(saleId: string, shard: number): Promise<number> {
    let expired = 0;
    for (;;) {
      const due = await this.inventory.dueOrders(saleId, BATCH, shard);
      if (due.length === 0) return expired;
      const results = await Promise.all(
        due.map((id) => this.inventory.closeOrder(saleId, id, 'expired', { shard })),
      );
      expired += results.filter((r) => r.kind === 'closed').length;
      if (due.length < BATCH) return expired;
    }
  }

  /**
   * Every active sale; a sharded one's transfers left pending by a dead process are finished,
   * its sell-out withdrawn if units came back unannounced, and its F-code reservations and
   * frees a dead process left settled.
   */
  async sweep(): Promise<number> {
    let expired = 0;
    for (const saleId of await this.inventory.activeSaleIds()) {
      expired += await this.expireDue(saleId);
      await this.inventory.shards.reconcile(saleId);
      await this.inventory.settleFcodes(saleId);
    }
    if (expired > 0) this.logger.log(`sweep expired ${expired} orders`);
    return expired;
  }
}
