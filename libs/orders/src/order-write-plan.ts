import type { AcceptedOrder } from './order-job';
import type { OrderStatus } from './order-status';

/** A sale as the guard sees it, read under its row lock. */
export interface SaleUnits {
  stock: number;
  liveUnits: number;
}

/** An order row as Postgres holds it before the batch. */
export interface StoredOrder {
  status: OrderStatus;
  quantity: number;
  /** Whether the row has its Idempotency-Key and acceptance number yet (see fills). */
  hasKey?: boolean;
  hasSeq?: boolean;
}

export interface WritePlan {
  /** Rows to insert, or to move out of pending_payment, in their final status. */
  rows: AcceptedOrder[];
  /** Change of each sale's live units (pending_payment + paid) once the rows are written. */
  liveDelta: Map<string, number>;
  /** New orders that did not fit in their sale's stock: written as `rejected`. */
  rejected: AcceptedOrder[];
  /** Payments recorded in Redis for orders Postgres had already rejected: to refund. */
  paidAfterRejection: AcceptedOrder[];
}

const LIVE: ReadonlySet<OrderStatus> = new Set(['pending_payment', 'paid']);

/**
 * Decides what one batch does to Postgres, the last guard against oversell. Transitions of
 * stored orders are applied first (a cancellation frees its units for the batch), then new
 * live orders are admitted in acceptance order while their sale's live units stay within its
 * stock; the rest are rejected. Pure: the writer reads the inputs under the sales' row
 * locks and writes the plan in the same transaction.
 */
export function planWrite(
  orders: readonly AcceptedOrder[],
  stored: ReadonlyMap<string, StoredOrder>,
  sales: ReadonlyMap<string, SaleUnits>,
): WritePlan {
  const plan: WritePlan = { rows: [], liveDelta: new Map(), rejected: [], paidAfterRejection: [] };
  const add = (saleId: string, units: number) =>
    plan.liveDelta.set(saleId, (plan.liveDelta.get(saleId) ?? 0) + units);
  const fresh: AcceptedOrder[] = [];
  for (const order of orders) {
    if (!sales.has(order.saleId)) throw new Error(`orders for unknown sale ${order.saleId}`);
    const before = stored.get(order.orderId);
    if (!before) {
      if (LIVE.has(order.status)) fresh.push(order);
      else plan.rows.push(order);
      continue;
    }
    if (before.status === 'rejected' && order.status === 'paid') {
      plan.paidAfterRejection.push(order);
    }
    if (before.status === 'rejected' && order.status === 'pending_payment') {
      // Announced again: if the batch that rejected it failed before Redis heard, its retry
      // must still tell Redis (closing an order as rejected twice changes nothing).
      plan.rejected.push(order);
    }
    if (before.status !== 'pending_payment' || order.status === 'pending_payment') {
      // An acceptance that arrives after its transition changes no status, but brings the
      // key and number the row lacks: written as a fill, in the row's own status.
      const fills =
        (order.idempotencyKey !== undefined && before.hasKey === false) ||
        (order.acceptanceSeq !== undefined && before.hasSeq === false);
      if (fills) plan.rows.push({ ...order, status: before.status });
      continue;
    }
    plan.rows.push(order);
    if (!LIVE.has(order.status)) add(order.saleId, -before.quantity);
  }
  fresh.sort((a, b) => a.createdAtMs - b.createdAtMs || (a.orderId < b.orderId ? -1 : 1));
  for (const order of fresh) {
    const sale = sales.get(order.saleId) as SaleUnits;
    const live = sale.liveUnits + (plan.liveDelta.get(order.saleId) ?? 0);
    if (live + order.quantity <= sale.stock) {
      plan.rows.push(order);
      add(order.saleId, order.quantity);
    } else {
      plan.rows.push({ ...order, status: 'rejected' });
      plan.rejected.push(order);
    }
  }
  return plan;
}
