import type { OrderStatus } from './order-status';

/**
 * One order as the Lua scripts recorded it in the outbox: at acceptance (status
 * pending_payment) and again at each transition (paid, cancelled, expired). The order id is
 * its identity; the entries carry the whole order so that Postgres converges on the latest
 * status whatever order the jobs run in.
 */
export interface AcceptedOrder {
  orderId: string;
  saleId: string;
  buyerId: string;
  quantity: number;
  /** Acceptance time on the Redis clock, ms since the epoch. */
  createdAtMs: number;
  /** Payment deadline on the Redis clock, ms since the epoch. */
  expiresAtMs: number;
  status: OrderStatus;
  /** SHA-256 of the F-code the order redeemed, if any. */
  fcodeHash?: string;
  /** The sale's outbox sequence number of this entry (see the sale rebuild). */
  seq?: number;
  /** The sequence number of the entry that accepted the order, when known. */
  acceptanceSeq?: number;
  /** The buyer's Idempotency-Key, kept with the order so a rebuilt Redis still knows it. */
  idempotencyKey?: string;
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

/** Expires the due orders of one sale; delayed until the deadline of a relayed batch. */
export interface ExpireDueJob {
  saleId: string;
}
export const EXPIRE_DUE_JOB = 'expire-due';

/** Repeating: expires whatever the delayed jobs missed, in every active sale. */
export const SWEEP_JOB = 'sweep-expired';

export type OrdersJobData = PersistOrdersJob | ExpireDueJob | Record<string, never>;
