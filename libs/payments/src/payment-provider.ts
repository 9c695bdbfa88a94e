/**
 * The boundary to whoever moves the money. The simulated gateway and Stripe implement it; a
 * provider keeps these promises:
 * - a charge carries an idempotency key, and the same key never charges twice;
 * - a refund of a charge happens at most once;
 * - the provider later confirms successful charges to POST /payments/webhook, signed in its own
 *   way, which only it can check (readWebhook).
 */
export interface ChargeRequest {
  idempotencyKey: string;
  orderId: string;
  /** Minor units (fen, cents). */
  amount: number;
}

export interface ChargeResult {
  chargeId: string;
  /**
   * `pending`: the buyer still has to act with the provider (Stripe: confirm the PaymentIntent
   * with `clientSecret` in the browser); the provider's webhook tells when it succeeded.
   */
  status: 'succeeded' | 'declined' | 'refunded' | 'pending';
  clientSecret?: string;
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
  /** ISO 4217, lower case. */
  currency: string;
  status: ChargeResult['status'];
}

/** A webhook delivery the provider's own signature check accepted. */
export type WebhookReading =
  | {
      kind: 'charge_succeeded';
      eventId: string;
      chargeId: string;
      orderId: string;
      amount: number;
      currency: string;
    }
  /** A genuine event this system does not act on (Stripe sends many kinds). */
  | { kind: 'ignored'; eventId: string; type: string };

export type WebhookHeaders = Record<string, string | string[] | undefined>;

export abstract class PaymentProvider {
  abstract charge(request: ChargeRequest): Promise<ChargeResult>;
  abstract refund(chargeId: string): Promise<void>;
  /** Refunds whatever was charged for an order (none, or its one charge); returns how many. */
  abstract refundOrder(orderId: string): Promise<number>;
  /** The provider's record of a charge, or null if it has none: what a webhook is checked against. */
  abstract findCharge(chargeId: string): Promise<ChargeRecord | null>;
  /**
   * Verifies a webhook delivery by the provider's own scheme over the exact bytes received,
   * and reads it. Throws DomainError `unauthorized` (bad or stale signature) or `invalid`.
   */
  abstract readWebhook(rawBody: Buffer, headers: WebhookHeaders): WebhookReading;
}
