import { Injectable, Logger } from '@nestjs/common';
import { InventoryService } from '@flash/inventory';
import { AcceptedOrder, WriteResult } from '@flash/orders';
import { PaymentProvider } from '@flash/payments';
import { WorkerMetrics } from './worker-metrics';

/**
 * After Postgres rejected orders Redis had accepted (the last guard: no stock left for them),
 * tells Redis, so the buyer sees `rejected` and cannot pay, and refunds any payment that got
 * in first (Redis records the rejection over a payment too). Runs after the batch committed; if it fails, the batch fails and its retry
 * announces the same rejections again, and closing an order as rejected twice changes nothing.
 */
@Injectable()
export class RejectedOrders {
  private readonly logger = new Logger(RejectedOrders.name);

  constructor(
    private readonly inventory: InventoryService,
    private readonly payments: PaymentProvider,
    private readonly metrics: WorkerMetrics,
  ) {}

  async settle(result: WriteResult): Promise<void> {
    for (const order of result.rejected) await this.reject(order);
    for (const order of result.paidAfterRejection) await this.refund(order);
  }

  private async reject(order: AcceptedOrder): Promise<void> {
    const closed = await this.inventory.closeOrder(order.saleId, order.orderId, 'rejected', {
      buyerId: order.buyerId,
    });
    if (closed.kind === 'closed') {
      this.metrics.rejected.inc(order.quantity);
      this.logger.warn(
        `order ${order.orderId} of sale ${order.saleId} rejected: Postgres has no stock left for it`,
      );
    }
    // Whether or not a payment got in first, nothing stays charged (refunds happen once).
    await this.refund(order);
  }

  private async refund(order: AcceptedOrder): Promise<void> {
    const refunded = await this.payments.refundOrder(order.orderId);
    if (refunded > 0) {
      this.metrics.refundedAfterRejection.inc(refunded);
      this.logger.warn(`order ${order.orderId} was paid after its rejection: refunded`);
    }
  }
}
