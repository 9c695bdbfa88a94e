import type { OutboxOrder } from '@flash/inventory';

/** One order as the Lua scripts recorded it in the outbox (decoded by outboxEntryCodec). */
export type AcceptedOrder = OutboxOrder;

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
