import { Client } from 'pg';
import type { SaleStats } from '@flash/orders';
import { signPayload } from '@flash/payments';
import { Answer, call, createSale, devToken, expectErrorShape, until } from '../support/client';
import { Stack } from '../support/stack';
import { TestWorld, worldRedis, keysMatching } from '../support/test-env';
import { startE2E, stopE2E } from '../support/e2e';
import type { RedisClient } from '@flash/redis';

/**
 * Paying through the simulated gateway, its signed webhooks, and the whole lifecycle under
 * concurrency: no oversell, no double charge, conservation, Postgres and Redis agree.
 */
describe('payments and the order lifecycle end to end', () => {
  let world: TestWorld;
  let stack: Stack;
  let sql: Client;
  let redis: RedisClient;
  let admin: string;

  beforeAll(async () => {
    ({ world, stack, sql, admin } = await startE2E({
      PAYMENT_WINDOW_SECONDS: '8',
      EXPIRY_SWEEP_INTERVAL_MS: '500',
      PAYMENT_SIM_LATENCY_MS: '5',
      PAYMENT_SIM_WEBHOOK_DELAY_MS: '50',
    }));
    redis = worldRedis(world);
  });

  afterAll(async () => {
    await redis?.quit();
    await stopE2E({ world, stack, sql });
  });

  const stats = async (saleId: string) =>
    (await call<SaleStats>(stack.http, 'GET', `/admin/sales/${saleId}/stats`, { token: admin }))
      .body;
  const charges = async (orderId: string) =>
    (await sql.query(`SELECT id, status FROM gateway_charges WHERE order_id = $1`, [orderId]))
      .rows as { id: string; status: string }[];
  const webhook = (body: string, signature: string) =>
    call(stack.http, 'POST', '/payments/webhook', {
      body,
      headers: { 'flash-signature': signature },
    });
  const secret = () => world.config.payments.webhookSecret;
  const now = () => Math.floor(Date.now() / 1000);

  it('charges once, confirms by signed webhook, and refuses forged and replayed deliveries', async () => {
    const saleId = await createSale(stack.http, admin, { stock: 5, price: 149_900 });
    const token = await devToken(stack.http, 'payer');
    const orderId: string = (await call(stack.http, 'POST', `/sales/${saleId}/purchase`, { token }))
      .body.orderId;
    const paid = await Promise.all(
      [1, 2, 3].map(() => call(stack.http, 'POST', `/orders/${orderId}/pay`, { token })),
    );
    for (const answer of paid)
      expect(answer.body).toMatchObject({ id: orderId, status: 'paid', unitPrice: 149_900 });
    const ledger = await charges(orderId);
    expect(ledger).toHaveLength(1);
    expect(ledger[0].status).toBe('succeeded');
    expectErrorShape(
      await call(stack.http, 'POST', `/orders/${orderId}/cancel`, { token }),
      409,
      'ORDER_CLOSED',
    );
    expect(await stats(saleId)).toMatchObject({ remaining: 4, held: 0, paid: 1 });
    // The gateway's own confirmation arrives and is accepted once.
    await until(
      async () =>
        (await keysMatching(redis, `${world.config.redisKeyPrefix}webhook:*`)).length >= 1,
    );

    const event = JSON.stringify({
      id: 'evt_manual_1',
      type: 'charge.succeeded',
      created: now(),
      data: { chargeId: ledger[0].id, orderId, amount: 149_900 },
    });
    expectErrorShape(
      await webhook(event, signPayload('not-the-secret-not-the-secret-0000', event, now())),
      401,
      'UNAUTHORIZED',
    );
    expectErrorShape(
      await webhook(event, signPayload(secret(), event, now() - 3600)),
      401,
      'UNAUTHORIZED',
    );
    expectErrorShape(await webhook(event, 'garbage'), 401, 'UNAUTHORIZED');
    expectErrorShape(
      await webhook(event.replace('149900', '1'), signPayload(secret(), event, now())),
      401,
      'UNAUTHORIZED',
    );
    const bad = '{"id":"evt_x","type":"charge.refunded"}';
    expectErrorShape(await webhook(bad, signPayload(secret(), bad, now())), 400, 'INVALID_REQUEST');
    // Correctly signed, yet wrong: the amount, the order or the charge does not match.
    const forged = (data: Record<string, unknown>, id: string) => {
      const body = JSON.stringify({
        id,
        type: 'charge.succeeded',
        created: now(),
        data: { chargeId: ledger[0].id, orderId, amount: 149_900, ...data },
      });
      return webhook(body, signPayload(secret(), body, now()));
    };
    const unpaid: string = (
      await call(stack.http, 'POST', `/sales/${saleId}/purchase`, {
        token: await devToken(stack.http, 'unpaid'),
      })
    ).body.orderId;
    for (const [data, reason] of [
      [{ amount: 1 }, /amount differs/],
      [{ orderId: unpaid }, /another order/],
      [{ chargeId: '00000000-0000-4000-8000-000000000000' }, /no such charge/],
      [{ chargeId: 'ch_not_a_uuid' }, /no such charge/],
    ] as const) {
      const answer = await forged(data, `evt_forged_${String(Math.random()).slice(2)}`);
      expectErrorShape(answer, 400, 'INVALID_REQUEST');
      expect(answer.body.error.message).toMatch(reason);
    }
    expect((await call(stack.http, 'GET', `/orders/${unpaid}`, { token: admin })).body.status).toBe(
      'pending_payment',
    );

    const signature = signPayload(secret(), event, now());
    const first = await webhook(event, signature);
    expect(first).toMatchObject({ status: 200, body: { received: true, outcome: 'paid' } });
    expectErrorShape(await webhook(event, signature), 409, 'DUPLICATE_EVENT');
    expect(await charges(orderId)).toHaveLength(1);
    expect(await stats(saleId)).toMatchObject({ paid: 1, held: 1 });

    // A cancelled order cannot be paid, and nothing is charged for trying.
    const other: string = (
      await call(stack.http, 'POST', `/sales/${saleId}/purchase`, {
        token: await devToken(stack.http, 'quitter'),
      })
    ).body.orderId;
    const quitter = await devToken(stack.http, 'quitter');
    expect(
      (await call(stack.http, 'POST', `/orders/${other}/cancel`, { token: quitter })).status,
    ).toBe(200);
    expectErrorShape(
      await call(stack.http, 'POST', `/orders/${other}/pay`, { token: quitter }),
      409,
      'ORDER_CLOSED',
    );
    expect(await charges(other)).toEqual([]);
    expectErrorShape(
      await call(stack.http, 'POST', `/orders/${other}/pay`, { token }),
      403,
      'FORBIDDEN',
    );
  });

  it('100 units, 300 buyers: half pay, a third cancel, the rest expire, and later waves buy what came back', async () => {
    const STOCK = 100;
    const saleId = await createSale(stack.http, admin, {
      stock: STOCK,
      perUserLimit: 1,
      price: 99_900,
    });
    const tokens = await Promise.all(
      Array.from({ length: 300 }, (_, i) => devToken(stack.http, `wave-${i}`)),
    );
    const buy = (i: number) =>
      call(stack.http, 'POST', `/sales/${saleId}/purchase`, { token: tokens[i] });
    const orders = new Map<number, string>(); // buyer → their current order

    async function wave(buyers: number[]): Promise<number[]> {
      const answers = await Promise.all(
        buyers.map(async (i) => [i, await buy(i)] as [number, Answer]),
      );
      const won: number[] = [];
      for (const [i, a] of answers) {
        if (a.status === 202) {
          orders.set(i, a.body.orderId);
          won.push(i);
        } else {
          expect(a.body.error.code).toMatch(/^(SOLD_OUT|LIMIT_REACHED)$/);
        }
      }
      return won;
    }

    const first = await wave(tokens.map((_, i) => i));
    expect(first).toHaveLength(STOCK);
    const pay = (i: number) =>
      call(stack.http, 'POST', `/orders/${orders.get(i)}/pay`, { token: tokens[i] });
    const cancel = (i: number) =>
      call(stack.http, 'POST', `/orders/${orders.get(i)}/cancel`, { token: tokens[i] });

    // Half pay (a fifth of them racing their own cancel), a third cancel, the rest do nothing.
    const actions = await Promise.all(
      first.map(async (i, n) => {
        const role = n % 6;
        if (role <= 2) {
          const answers = n % 5 === 0 ? await Promise.all([pay(i), cancel(i)]) : [await pay(i)];
          const winners = answers.filter((a) => a.status === 200);
          expect(winners).toHaveLength(1);
          for (const a of answers) if (a.status !== 200) expectErrorShape(a, 409, 'ORDER_CLOSED');
          return winners[0].body.status as string;
        }
        if (role <= 4) return (await cancel(i)).body.status as string;
        return 'pending_payment';
      }),
    );
    const returned = actions.filter((s) => s === 'cancelled').length;
    let s = await stats(saleId);
    expect(s.remaining + s.held + s.paid).toBe(STOCK);
    expect(s.remaining).toBe(returned);

    // Second wave: the returned units sell again, to buyers who had none, and they pay.
    const losers = tokens.map((_, i) => i).filter((i) => !first.includes(i));
    const second = await wave(losers);
    expect(second).toHaveLength(returned);
    for (const i of second) expect((await pay(i)).body.status).toBe('paid');

    // The idle orders expire after the 8-second window; a third wave buys and pays for those.
    const idle = first.filter((_, n) => n % 6 === 5);
    await until(async () => (await stats(saleId)).remaining === idle.length, 20_000);
    for (const i of idle) {
      expect(
        (await call(stack.http, 'GET', `/orders/${orders.get(i)}`, { token: tokens[i] })).body
          .status,
      ).toBe('expired');
      expectErrorShape(await pay(i), 409, 'ORDER_CLOSED');
    }
    const third = await wave(losers.filter((i) => !second.includes(i)));
    expect(third).toHaveLength(idle.length);
    for (const i of third) expect((await pay(i)).body.status).toBe('paid');

    // Everything sold and paid; Postgres, Redis and the gateway's ledger agree.
    await until(async () => {
      s = await stats(saleId);
      return s.pipelineLag === 0 && s.unitsPersisted === STOCK;
    });
    expect(s).toMatchObject({
      stock: STOCK,
      remaining: 0,
      held: 0,
      paid: STOCK,
      unitsPersisted: STOCK,
    });
    await until(async () => {
      const { rows } = await sql.query(
        `SELECT count(*)::int AS n FROM orders WHERE sale_id = $1 AND status = 'pending_payment'`,
        [saleId],
      );
      return rows[0].n === 0;
    });
    const { rows: byStatus } = await sql.query(
      `SELECT status, count(*)::int AS n, sum(quantity)::int AS units FROM orders WHERE sale_id = $1 GROUP BY status`,
      [saleId],
    );
    const counts = Object.fromEntries(
      byStatus.map((r: { status: string; units: number }) => [r.status, r.units]),
    );
    expect(counts.paid).toBe(STOCK);
    expect(counts.expired).toBe(idle.length);
    expect((counts.cancelled ?? 0) + STOCK + idle.length).toBe(
      first.length + second.length + third.length,
    );
    const { rows: ledger } = await sql.query(
      `SELECT c.order_id, count(*)::int AS n, bool_and(c.status = 'succeeded') AS kept, min(o.status) AS order_status
       FROM gateway_charges c JOIN orders o ON o.id = c.order_id WHERE o.sale_id = $1 GROUP BY c.order_id`,
      [saleId],
    );
    // No double charge: one ledger row per order; money kept exactly for the paid orders.
    expect(ledger.every((r: { n: number }) => r.n === 1)).toBe(true);
    const kept = ledger.filter((r: { kept: boolean }) => r.kept);
    expect(kept).toHaveLength(STOCK);
    expect(kept.every((r: { order_status: string }) => r.order_status === 'paid')).toBe(true);
    expect(
      ledger
        .filter((r: { kept: boolean; order_status: string }) => !r.kept)
        .every((r: { order_status: string }) => r.order_status !== 'paid'),
    ).toBe(true);
    // Nobody over the limit of 1 paid unit.
    const { rows: perBuyer } = await sql.query(
      `SELECT max(n)::int AS most FROM (SELECT count(*) AS n FROM orders WHERE sale_id = $1 AND status = 'paid' GROUP BY buyer_id) t`,
      [saleId],
    );
    expect(perBuyer[0].most).toBe(1);
  });
});
