import { hash, randomUUID } from 'node:crypto';

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

/**
 * Order ids this install can recognise as its own. The last 32 bits of each id are a tag, a
 * keyed SHA-256 of the rest (the admission secret under a label of its own), so an id found in
 * neither store can be told apart: one the API issued and Redis then lost, or one somebody
 * made up. Made-up ids get 404, and reveal no loss window. A prefix-keyed hash over a
 * fixed-length input, truncated, is enough here: a guess is one request, and wins one time in
 * four billion. The other 42 random bits keep ids unique within a millisecond.
 */
export class OrderIds {
  private readonly key: string;

  constructor(secret: string) {
    this.key = hash('sha256', `flash-sale order-id tag v1|${secret}`, 'hex');
  }

  next(nowMs: number = Date.now()): string {
    const untagged = newOrderId(nowMs).slice(0, 28);
    return untagged + this.tag(untagged);
  }

  /** Whether this install issued the id (a tagged UUIDv7 whose tag is right). */
  issued(orderId: string): boolean {
    if (!V7.test(orderId)) return false;
    return orderId.slice(28) === this.tag(orderId.slice(0, 28));
  }

  private tag(untagged: string): string {
    return hash('sha256', this.key + untagged, 'hex').slice(0, 8);
  }
}
