/** What travels through the BullMQ `orders` queue: one accepted purchase. Job id = orderId. */
export interface OrderJob {
  orderId: string;
  saleId: string;
  buyerId: string;
  quantity: number;
  /** Acceptance time on the Redis clock, ms since the epoch. */
  createdAtMs: number;
}

export const PERSIST_ORDER_JOB = 'persist-order';
