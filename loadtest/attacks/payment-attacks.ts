import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { Pool } from 'undici';
import { mintToken } from '../bench/bench-support';
import { StripeStandIn, intentEvent } from '../stand-ins/stripe-stand-in';
import { Attack, call, createSale, verdict } from './attack-kit';
import type { AttackStack } from './attack-stack';

const PRICE = 199_900;

interface StripeWorld {
  http: Pool;
  stripe: StripeStandIn;
  webhookSecret: string;
}

/**
 * An API of the stack with PAYMENT_PROVIDER=stripe, against a loopback stand-in of Stripe's
 * API, for the time `use` runs.
 */
async function withStripe<T>(stack: AttackStack, use: (w: StripeWorld) => Promise<T>): Promise<T> {
  const secretKey = `sk_test_${randomBytes(12).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  const stripe = new StripeStandIn(secretKey);
  const apiUrl = await stripe.start();
  try {
    const settings = {
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: secretKey,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_URL: apiUrl,
    };
    return await stack.withApi(settings, (http) => use({ http, stripe, webhookSecret }));
  } finally {
    await stripe.stop();
  }
}

/** Payments: Stripe's webhook, forged every way an attacker without the account can. */
export const PAYMENT_ATTACKS: Attack[] = [
  {
    id: 'stripe-forgeries',
    severity: 'high',
    point: 2,
    title:
      "pay an order through Stripe's webhook: wrong secret, stale, unsigned, a cheap intent, a lying event",
    async run(stack) {
      const saleId = await createSale(stack, { price: PRICE });
      const buyer = mintToken('stripe-forger', stack.env.JWT_SECRET);
      return withStripe(stack, async ({ http, stripe, webhookSecret }) => {
        const bought = await call(http, 'POST', `/sales/${saleId}/purchase`, {
          token: buyer,
          body: {},
        });
        const orderId = bought.body?.orderId as string;
        await call(http, 'POST', `/orders/${orderId}/pay`, { token: buyer });
        const real = [...stripe.intents.values()].find((i) => i.metadata.order_id === orderId);
        if (!real) throw new Error('no PaymentIntent was created for the order');
        const signer = new Stripe('sk_test_unused');
        const signed = (payload: string, secret = webhookSecret, timestamp?: number) => ({
          'stripe-signature': signer.webhooks.generateTestHeaderString({
            payload,
            secret,
            timestamp,
          }),
        });
        const lying = intentEvent('payment_intent.succeeded', { ...real, status: 'succeeded' });
        const cheap = stripe.put({
          id: `pi_cheap_${randomBytes(4).toString('hex')}`,
          amount: 1,
          currency: 'cny',
          metadata: { order_id: orderId },
          status: 'succeeded',
        });
        const cheapEvent = intentEvent('payment_intent.succeeded', cheap);
        const deliveries: [string, Record<string, string>][] = [
          [lying, signed(lying, `whsec_${randomBytes(16).toString('hex')}`)],
          [lying, signed(lying, webhookSecret, Math.floor(Date.now() / 1000) - 3600)],
          [lying, {}],
          [lying, signed(lying)],
          [cheapEvent, signed(cheapEvent)],
        ];
        const statuses: number[] = [];
        for (const [body, headers] of deliveries)
          statuses.push((await call(http, 'POST', '/payments/webhook', { body, headers })).status);
        const order = await call(http, 'GET', `/orders/${orderId}`, { token: stack.admin });
        const status = (order.body as { status?: string } | undefined)?.status;
        return verdict(
          status === 'pending_payment' && statuses.every((s) => s >= 400 && s < 500),
          `answered ${statuses.join(', ')}; the order: ${status}`,
        );
      });
    },
  },
];
