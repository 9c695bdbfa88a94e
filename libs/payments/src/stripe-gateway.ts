import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { DomainError } from '@flash/errors';
import {
  ChargeRecord,
  ChargeRequest,
  ChargeResult,
  PaymentProvider,
  PaymentUnavailableError,
  WebhookHeaders,
  WebhookReading,
} from './payment-provider';

/** The metadata key every PaymentIntent carries: which order it pays. */
const ORDER_KEY = 'order_id';
const PAYMENT_INTENT_ID = /^pi_[A-Za-z0-9_]+$/;

/**
 * Stripe, through its own library. Each order gets one PaymentIntent, created with the order
 * id as its idempotency key, the order's total and currency, and the order id in its metadata.
 * The buyer confirms it in the browser with the client secret (the order stays pending), and
 * Stripe's `payment_intent.succeeded` webhook, verified with the library's signature check,
 * pays it. Before that, the intent is fetched from Stripe and checked against the order:
 * the event's word is not enough.
 */
@Injectable()
export class StripeGateway extends PaymentProvider {
  private readonly stripe: Stripe;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
    const url = new URL(config.payments.stripe.apiUrl);
    this.stripe = new Stripe(config.payments.stripe.secretKey, {
      host: url.hostname,
      port: url.port || (url.protocol === 'https:' ? 443 : 80),
      protocol: url.protocol === 'https:' ? 'https' : 'http',
      maxNetworkRetries: 2,
      timeout: 10_000,
    });
  }

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    try {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: req.amount,
          currency: this.config.payments.currency,
          metadata: { [ORDER_KEY]: req.orderId },
          automatic_payment_methods: { enabled: true },
        },
        { idempotencyKey: req.orderId },
      );
      return {
        chargeId: intent.id,
        status: statusOf(intent),
        clientSecret: intent.client_secret ?? undefined,
      };
    } catch (err) {
      throw unavailable(err);
    }
  }

  async refund(chargeId: string): Promise<void> {
    try {
      // One refund per intent, whoever asks and however often.
      await this.stripe.refunds.create(
        { payment_intent: chargeId },
        { idempotencyKey: `refund_${chargeId}` },
      );
    } catch (err) {
      throw unavailable(err);
    }
  }

  async refundOrder(orderId: string): Promise<number> {
    let refunded = 0;
    try {
      const found = await this.stripe.paymentIntents.search({
        query: `metadata['${ORDER_KEY}']:'${orderId}'`,
      });
      for (const intent of found.data) {
        if (intent.status !== 'succeeded') continue;
        await this.refund(intent.id);
        refunded++;
      }
    } catch (err) {
      throw unavailable(err);
    }
    return refunded;
  }

  async findCharge(chargeId: string): Promise<ChargeRecord | null> {
    if (!PAYMENT_INTENT_ID.test(chargeId)) return null;
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.stripe.paymentIntents.retrieve(chargeId);
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404)
        return null;
      throw unavailable(err);
    }
    return {
      chargeId: intent.id,
      orderId: intent.metadata?.[ORDER_KEY] ?? '',
      amount: intent.amount,
      currency: intent.currency,
      status: statusOf(intent),
    };
  }

  readWebhook(rawBody: Buffer, headers: WebhookHeaders): WebhookReading {
    const signature = headers['stripe-signature'];
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(
        rawBody,
        typeof signature === 'string' ? signature : '',
        this.config.payments.stripe.webhookSecret,
        this.config.payments.webhookToleranceSeconds,
      );
    } catch (err) {
      if (err instanceof Stripe.errors.StripeSignatureVerificationError)
        throw new DomainError('unauthorized', `bad Stripe signature: ${err.message}`);
      throw new DomainError('invalid', 'not a Stripe event');
    }
    if (event.type !== 'payment_intent.succeeded')
      return { kind: 'ignored', eventId: event.id, type: event.type };
    const intent = event.data.object;
    return {
      kind: 'charge_succeeded',
      eventId: event.id,
      chargeId: intent.id,
      orderId: intent.metadata?.[ORDER_KEY] ?? '',
      amount: intent.amount,
      currency: intent.currency,
    };
  }
}

function statusOf(intent: Stripe.PaymentIntent): ChargeResult['status'] {
  if (intent.status === 'succeeded') return 'succeeded';
  if (intent.status === 'canceled') return 'declined';
  return 'pending';
}

/** Stripe could not be reached or failed: nothing is known to have moved. */
function unavailable(err: unknown): Error {
  if (err instanceof PaymentUnavailableError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PaymentUnavailableError(`Stripe: ${message}`);
}
