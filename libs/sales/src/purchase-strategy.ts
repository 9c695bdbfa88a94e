import type { PurchaseRefusal } from '@flash/inventory';

export interface PurchaseRequest {
  saleId: string;
  buyerId: string;
  quantity: number;
  idempotencyKey?: string;
  /** SHA-256 of the F-code presented, if any. */
  fcodeHash?: string;
  /** The ticket of the admission token the API verified; purchase.lua checks the admission. */
  admissionTicket?: number;
}

/**
 * Every way a purchase attempt can end. Expected outcomes are values, not exceptions:
 * most attempts in a flash sale are refused, and that is the normal case.
 */
export type PurchaseOutcome =
  | { kind: 'accepted'; orderId: string; quantity: number; replayed: boolean }
  | { kind: 'sold_out'; fromMemory: boolean }
  /** A refusal purchase.lua decided, under the name its entry gives (limit_reached, ...). */
  | { kind: Exclude<PurchaseRefusal, 'sold_out' | 'state_missing'> }
  /** Over the per-buyer attempt limit: come back in `retryAfterSeconds`. */
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'not_found' }
  | { kind: 'unavailable' }
  /** PURCHASE_WAIT_REPLICAS: no replica confirmed the order in time, so it was withdrawn. */
  | { kind: 'not_replicated' };

/**
 * Where the hot path takes stock from, chosen by PURCHASE_STRATEGY: Redis (the design) or
 * a row lock in Postgres (the naive baseline it is measured against).
 */
export abstract class PurchaseStrategy {
  abstract readonly name: 'redis' | 'postgres';
  abstract purchase(req: PurchaseRequest): Promise<PurchaseOutcome>;
}
