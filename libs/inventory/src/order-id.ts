import { randomBytes } from 'node:crypto';

/**
 * Order ids are UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. The API
 * picks one just before the purchase script runs, so an order id also says when the order was
 * accepted, to the millisecond. That is what lets the API answer truthfully for an order lost
 * with Redis (it exists in neither store): its id falls inside a rebuild's loss window.
 */
export function newOrderId(nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = 0x70 | (bytes[6] & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8] & 0x3f); // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** When a UUIDv7 order id was made, or null for any other kind of id. */
export function orderIdTime(orderId: string): Date | null {
  if (!V7.test(orderId)) return null;
  return new Date(parseInt(orderId.slice(0, 8) + orderId.slice(9, 13), 16));
}
