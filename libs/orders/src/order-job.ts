/** One accepted purchase, as the purchase script recorded it. The order id is its identity. */
export interface AcceptedOrder {
  orderId: string;
  saleId: string;
  buyerId: string;
  quantity: number;
  /** Acceptance time on the Redis clock, ms since the epoch. */
  createdAtMs: number;
}

/**
 * What travels through the BullMQ `orders` queue. In `batch` mode (the default) one job
 * carries up to RELAY_BATCH_SIZE orders read from the outbox together; in `order` mode
 * each job carries one order and its job id is the order id. Either way the order id is
 * the key of the idempotent write, so duplicates of a job or of an order make no new row.
 */
export interface PersistOrdersJob {
  orders: AcceptedOrder[];
}

export const PERSIST_ORDERS_JOB = 'persist-orders';
