/**
 * The boundary to whoever moves the money. The simulated gateway implements it here; a real
 * provider (Alipay, a card processor) would implement the same three promises:
 * - a charge carries an idempotency key, and the same key never charges twice;
 * - a refund of a charge happens at most once;
 * - the provider later confirms successful charges to POST /payments/webhook, signed.
 */
export interface ChargeRequest {
  idempotencyKey: string;
  orderId: string;
  /** Minor units (fen, cents). */
  amount: number;
}

export interface ChargeResult {
  chargeId: string;
  status: 'succeeded' | 'declined' | 'refunded';
}

/** The provider could not be reached or failed: nothing is known to be charged. */
export class PaymentUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentUnavailableError';
  }
}

/** A charge as the provider's own records hold it. */
export interface ChargeRecord {
  chargeId: string;
  orderId: string;
  amount: number;
  status: ChargeResult['status'];
}

export abstract class PaymentProvider {
  abstract charge(request: ChargeRequest): Promise<ChargeResult>;
  abstract refund(chargeId: string): Promise<void>;
  /** Refunds whatever was charged for an order (none, or its one charge); returns how many. */
  abstract refundOrder(orderId: string): Promise<number>;
  /** The provider's record of a charge, or null if it has none: what a webhook is checked against. */
  abstract findCharge(chargeId: string): Promise<ChargeRecord | null>;
}
