import { randomUUID } from 'node:crypto';

/**
 * Order ids are UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. The API
 * picks one just before the purchase script runs, so an order id also says when the order was
 * accepted, to the millisecond. That is what lets the API answer truthfully for an order lost
 * with Redis (it exists in neither store): its id falls inside a rebuild's loss window.
 */
export function newOrderId(nowMs: number = Date.now()): string {
  // A v4 UUID from Node's batched generator supplies the random bits: its version digit is
  // replaced by 7, its variant bits already are 10, and the first 48 bits become the time.
  // One call to randomBytes per id was the purchase's largest single cost in a profile
  // (docs/performance.md); randomUUID draws entropy for 128 ids at a time.
  const time = nowMs.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
}

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** When a UUIDv7 order id was made, or null for any other kind of id. */
export function orderIdTime(orderId: string): Date | null {
  if (!V7.test(orderId)) return null;
  return new Date(parseInt(orderId.slice(0, 8) + orderId.slice(9, 13), 16));
}
