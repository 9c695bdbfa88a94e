import { Injectable } from '@nestjs/common';
import type { Principal } from '@flash/auth';
import { ClosedStatus, InventoryService } from '@flash/inventory';
import { OrdersService, OrderView } from './orders.service';

/** Every way a transition request can end, as values: most are ordinary answers. */
export type TransitionOutcome =
  | { kind: 'done'; order: OrderView; moved: boolean }
  | { kind: 'closed'; status: string }
  | { kind: 'not_found' }
  | { kind: 'forbidden' }
  | { kind: 'unavailable' };

/**
 * Moves orders out of pending_payment. Redis decides (close-order.lua, exactly once per
 * order); Postgres follows through the outbox, so a transition works the same whether or
 * not the order has reached Postgres yet.
 */
@Injectable()
export class OrderLifecycleService {
  constructor(
    private readonly inventory: InventoryService,
    private readonly orders: OrdersService,
  ) {}

  /** The buyer (or an admin) cancels: units and allowance go back, once. */
  async cancel(orderId: string, principal: Principal): Promise<TransitionOutcome> {
    return this.transition(orderId, principal, 'cancelled', false);
  }

  /**
   * Records a payment. Paying a paid order again is not an error (the first answer again);
   * an order past its deadline is expired instead and the payment refused.
   */
  async markPaid(
    orderId: string,
    principal: Principal | null,
    known?: OrderView,
  ): Promise<TransitionOutcome> {
    return this.transition(orderId, principal, 'paid', true, known);
  }

  private async transition(
    orderId: string,
    principal: Principal | null,
    wanted: ClosedStatus,
    /** Whether asking again for the status the order already has is a success (pay) or ORDER_CLOSED (cancel). */
    repeatSucceeds: boolean,
    known?: OrderView,
  ): Promise<TransitionOutcome> {
    const order = known ?? (await this.orders.find(orderId));
    if (!order) return { kind: 'not_found' };
    if (principal && principal.role !== 'admin' && principal.sub !== order.buyerId) {
      return { kind: 'forbidden' };
    }
    const result = await this.inventory.closeOrder(order.saleId, orderId, wanted, {
      buyerId: order.buyerId,
      // A buyer's own cancel spends their budget in the sale; an operator's does not.
      byBuyer: wanted === 'cancelled' && principal?.role === 'buyer',
    });
    switch (result.kind) {
      case 'closed':
        return { kind: 'done', order: { ...order, status: wanted }, moved: true };
      case 'already':
        if (!repeatSucceeds) return { kind: 'closed', status: result.status };
        return { kind: 'done', order: { ...order, status: wanted }, moved: false };
      case 'conflict':
      case 'lapsed':
        return { kind: 'closed', status: result.status };
      case 'unknown':
      case 'state_missing':
        // In Postgres but not in Redis, or the sale's live state is gone or being rebuilt:
        // nothing can move until it is back.
        return { kind: 'unavailable' };
      case 'not_due':
        throw new Error(`close-order answered NOT_DUE to ${wanted}`);
    }
  }
}
