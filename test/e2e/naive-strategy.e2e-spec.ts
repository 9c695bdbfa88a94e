import { signToken } from '@flash/auth';
import type { SaleStats } from '@flash/orders';
import { Answer, call, createSale, expectErrorShape } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';

const STOCK = 150;
const LIMIT = 2;
const BUYERS = 400;

/**
 * The naive baseline (PURCHASE_STRATEGY=postgres) is measured against the design, so it
 * must be correct too: the same concurrent race, the same invariants, read from Postgres.
 */
describe('the naive Postgres strategy', () => {
  let e2e: E2E;

  beforeAll(async () => {
    // No worker: this strategy writes its orders in the request.
    e2e = await startE2E(
      { PURCHASE_STRATEGY: 'postgres', RELAY_ENABLED: 'false' },
      { worker: false },
    );
  });

  afterAll(async () => {
    await stopE2E(e2e);
  });

  const token = (sub: string) =>
    signToken({ sub, exp: Math.floor(Date.now() / 1000) + 600 }, e2e.world.config.jwtSecret);

  it(`sells exactly ${STOCK} units to ${BUYERS} concurrent buyers within the limit, replays included`, async () => {
    const { stack, sql, admin } = e2e;
    const saleId = await createSale(stack.http, admin, { stock: STOCK, perUserLimit: LIMIT });
    const purchase = (sub: string, quantity: number, key?: string) =>
      call(stack.http, 'POST', `/sales/${saleId}/purchase`, {
        token: token(sub),
        body: { quantity },
        headers: key ? { 'idempotency-key': key } : {},
      });

    // Every buyer asks for up to the limit and then one more; every tenth replays its key.
    const answers: { buyer: string; key?: string; answer: Answer }[] = [];
    await Promise.all(
      Array.from({ length: BUYERS }, async (_, i) => {
        const buyer = `naive-${i}`;
        const key = i % 10 === 0 ? `k-${i}` : undefined;
        const first = await purchase(buyer, 1 + (i % 2), key);
        answers.push({ buyer, key, answer: first });
        if (key) {
          const again = await purchase(buyer, 1 + (i % 2), key);
          if (first.status === 202) expect(again.body).toEqual(first.body);
        }
        answers.push({ buyer, answer: await purchase(buyer, LIMIT) });
      }),
    );

    const accepted = answers.filter((a) => a.answer.status === 202);
    const units = accepted.reduce((n, a) => n + (a.answer.body.quantity as number), 0);
    expect(units).toBe(STOCK);
    for (const a of answers) {
      if (a.answer.status !== 202) {
        expect([409]).toContain(a.answer.status);
        expect(['SOLD_OUT', 'LIMIT_REACHED']).toContain(a.answer.body.error.code);
      }
    }

    const rows = await sql.query<{ buyer_id: string; units: number; orders: number }>(
      `SELECT buyer_id, sum(quantity)::int AS units, count(*)::int AS orders
       FROM orders WHERE sale_id = $1 GROUP BY buyer_id`,
      [saleId],
    );
    expect(rows.rows.reduce((n, r) => n + r.units, 0)).toBe(STOCK);
    expect(Math.max(...rows.rows.map((r) => r.units))).toBeLessThanOrEqual(LIMIT);
    const stock = await sql.query(`SELECT remaining FROM sale_stock WHERE sale_id = $1`, [saleId]);
    expect(stock.rows[0].remaining).toBe(0);

    const stats = await call<SaleStats>(stack.http, 'GET', `/admin/sales/${saleId}/stats`, {
      token: admin,
    });
    expect(stats.body).toMatchObject({
      stock: STOCK,
      remaining: 0,
      held: STOCK,
      paid: 0,
      unitsPersisted: STOCK,
      pipelineLag: 0,
    });
    const view = await call(stack.http, 'GET', `/sales/${saleId}`);
    expect(view.body).toMatchObject({ remaining: 0, status: 'sold_out' });
  });

  it('answers not started and unknown sales as the contract says, and refuses pay and cancel', async () => {
    const { stack, admin } = e2e;
    const later = await createSale(stack.http, admin, {
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const early = await call(stack.http, 'POST', `/sales/${later}/purchase`, {
      token: token('early'),
      body: {},
    });
    expectErrorShape(early, 409, 'NOT_STARTED');
    const unknown = await call(
      stack.http,
      'POST',
      '/sales/00000000-0000-4000-8000-000000000000/purchase',
      { token: token('lost'), body: {} },
    );
    expectErrorShape(unknown, 404, 'NOT_FOUND');

    const open = await createSale(stack.http, admin, { stock: 1 });
    const bought = await call(stack.http, 'POST', `/sales/${open}/purchase`, {
      token: token('payer'),
      body: {},
    });
    expect(bought.status).toBe(202);
    const order = await call(stack.http, 'GET', `/orders/${bought.body.orderId}`, {
      token: token('payer'),
    });
    expect(order.body).toMatchObject({ status: 'pending_payment', quantity: 1 });
    for (const action of ['pay', 'cancel']) {
      const res = await call(stack.http, 'POST', `/orders/${bought.body.orderId}/${action}`, {
        token: token('payer'),
      });
      expectErrorShape(res, 501, 'NOT_IMPLEMENTED');
    }
  });
});
