import Stripe from 'stripe';
import { Answer, call, createSale, devToken, expectErrorShape, until } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';
import { StripeStandIn, intentEvent } from '../../loadtest/stand-ins/stripe-stand-in';

const SECRET_KEY = 'sk_test_standin_0123456789';
const WEBHOOK_SECRET = 'whsec_standin0123456789abcdef';
const PRICE = 199_900;

/**
 * PAYMENT_PROVIDER=stripe against a stand-in of Stripe's API on loopback, with webhook
 * deliveries signed by the stripe library's own test helper.
 */
describe('payments through Stripe', () => {
  const stripe = new StripeStandIn(SECRET_KEY);
  const signer = new Stripe('sk_test_unused');
  let e2e: E2E;
  let saleId: string;

  beforeAll(async () => {
    const apiUrl = await stripe.start();
    e2e = await startE2E({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: apiUrl,
      PAYMENT_CURRENCY: 'cny',
    });
    saleId = await createSale(e2e.stack.http, e2e.admin, {
      stock: 50,
      perUserLimit: 2,
      price: PRICE,
    });
  });
  afterAll(async () => {
    await stopE2E(e2e);
    await stripe.stop();
  });

  async function buy(buyer: string, quantity = 1) {
    const token = await devToken(e2e.stack.http, buyer);
    const answer = await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, {
      token,
      body: { quantity },
    });
    expect(answer.status).toBe(202);
    return { token, orderId: answer.body.orderId as string };
  }

  function webhook(payload: string, secret = WEBHOOK_SECRET, timestamp?: number): Promise<Answer> {
    const signature = signer.webhooks.generateTestHeaderString({ payload, secret, timestamp });
    return call(e2e.stack.http, 'POST', '/payments/webhook', {
      body: payload,
      headers: { 'stripe-signature': signature },
    });
  }

  async function orderStatus(orderId: string): Promise<string> {
    return (await call(e2e.stack.http, 'GET', `/orders/${orderId}`, { token: e2e.admin })).body
      .status as string;
  }

  /** The order's PaymentIntent, once POST /orders/:id/pay created it. */
  async function payStarts(orderId: string, token: string) {
    const answer = await call(e2e.stack.http, 'POST', `/orders/${orderId}/pay`, { token });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ id: orderId, status: 'pending_payment' });
    const intent = [...stripe.intents.values()].find((i) => i.metadata.order_id === orderId);
    expect(intent).toBeDefined();
    expect(answer.body.payment).toEqual({
      provider: 'stripe',
      clientSecret: intent!.client_secret,
    });
    return intent!;
  }

  it('creates one PaymentIntent per order, keyed by the order, and pays on the signed webhook', async () => {
    const { token, orderId } = await buy('stripe-buyer', 2);
    const intent = await payStarts(orderId, token);
    expect(intent).toMatchObject({ amount: 2 * PRICE, currency: 'cny' });
    expect(stripe.requests.find((r) => r.path === '/v1/payment_intents')?.idempotencyKey).toBe(
      orderId,
    );
    // A second click makes no second intent: the same key, the same answer.
    await payStarts(orderId, token);
    expect(
      [...stripe.intents.values()].filter((i) => i.metadata.order_id === orderId),
    ).toHaveLength(1);
    expect(await orderStatus(orderId)).toBe('pending_payment');

    stripe.succeed(intent.id);
    const delivered = await webhook(intentEvent('payment_intent.succeeded', intent));
    expect(delivered.status).toBe(200);
    expect(delivered.body).toEqual({ received: true, outcome: 'paid' });
    expect(await orderStatus(orderId)).toBe('paid');
    await until(async () => {
      const { rows } = await e2e.sql.query(`SELECT status FROM orders WHERE id = $1`, [orderId]);
      return rows[0]?.status === 'paid';
    });
    // Paying a paid order answers it again and creates nothing.
    const again = await call(e2e.stack.http, 'POST', `/orders/${orderId}/pay`, { token });
    expect([again.status, again.body.status]).toEqual([200, 'paid']);
  });

  it('refuses deliveries whose signature does not verify, or is stale, and changes nothing', async () => {
    const { token, orderId } = await buy('stripe-forger');
    const intent = await payStarts(orderId, token);
    stripe.succeed(intent.id);
    const payload = intentEvent('payment_intent.succeeded', intent);
    const refused: Answer[] = [
      await webhook(payload, 'whsec_someoneelse0123456789'),
      await webhook(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 3600),
      await call(e2e.stack.http, 'POST', '/payments/webhook', { body: payload }),
      await call(e2e.stack.http, 'POST', '/payments/webhook', {
        body: payload,
        headers: { 'flash-signature': 't=1,v1=00' },
      }),
    ];
    for (const answer of refused) expectErrorShape(answer, 401, 'UNAUTHORIZED');
    expect(await orderStatus(orderId)).toBe('pending_payment');
  });

  it('checks the intent, as Stripe holds it, against the order: metadata, amount and currency', async () => {
    const { token, orderId } = await buy('stripe-mismatch');
    await payStarts(orderId, token);
    const forged = [
      // Signed, but about an intent for another order's amount, or in another currency.
      stripe.put({
        id: 'pi_cheap',
        amount: 1,
        currency: 'cny',
        metadata: { order_id: orderId },
        status: 'succeeded',
      }),
      stripe.put({
        id: 'pi_dollars',
        amount: PRICE,
        currency: 'usd',
        metadata: { order_id: orderId },
        status: 'succeeded',
      }),
    ];
    for (const intent of forged) {
      const answer = await webhook(intentEvent('payment_intent.succeeded', intent));
      expectErrorShape(answer, 400, 'INVALID_REQUEST');
    }
    // The event says one thing, Stripe's own record another: Stripe's record wins.
    const real = [...stripe.intents.values()].find((i) => i.metadata.order_id === orderId)!;
    const lying = await webhook(
      intentEvent('payment_intent.succeeded', { ...real, status: 'succeeded' }),
    );
    expectErrorShape(lying, 400, 'INVALID_REQUEST');
    expect(lying.body.error.message).toContain('pending');
    // Metadata naming another order.
    const { orderId: other } = await buy('stripe-other');
    const stolen = stripe.put({
      id: 'pi_stolen',
      amount: PRICE,
      currency: 'cny',
      metadata: { order_id: other },
      status: 'succeeded',
    });
    expectErrorShape(
      await webhook(
        intentEvent('payment_intent.succeeded', { ...stolen, metadata: { order_id: orderId } }),
      ),
      400,
      'INVALID_REQUEST',
    );
    expect(await orderStatus(orderId)).toBe('pending_payment');
    expect(await orderStatus(other)).toBe('pending_payment');
  });

  it('takes each event once, and ignores the kinds it does not act on', async () => {
    const { token, orderId } = await buy('stripe-replay');
    const intent = await payStarts(orderId, token);
    stripe.succeed(intent.id);
    const payload = intentEvent('payment_intent.succeeded', intent, 'evt_once');
    expect((await webhook(payload)).status).toBe(200);
    expectErrorShape(await webhook(payload), 409, 'DUPLICATE_EVENT');
    const ignored = await webhook(intentEvent('payment_intent.created', intent));
    expect([ignored.status, ignored.body.outcome]).toEqual([200, 'ignored']);
  });

  it('refunds a payment that succeeds after its order was cancelled', async () => {
    const { token, orderId } = await buy('stripe-late');
    const intent = await payStarts(orderId, token);
    const cancelled = await call(e2e.stack.http, 'POST', `/orders/${orderId}/cancel`, { token });
    expect(cancelled.body.status).toBe('cancelled');
    stripe.succeed(intent.id);
    const answer = await webhook(intentEvent('payment_intent.succeeded', intent));
    expect(answer.body).toEqual({ received: true, outcome: 'closed' });
    expect(stripe.refunds.filter((r) => r.payment_intent === intent.id)).toHaveLength(1);
    expect(await orderStatus(orderId)).toBe('cancelled');
  });
});
