import { Client } from 'pg';
import type { SaleStats } from '@flash/orders';
import { Answer, call, createSale, devToken, expectErrorShape, until } from '../support/client';
import { Stack, stopProcess } from '../support/stack';
import { TestWorld } from '../support/test-env';
import { startE2E, stopE2E } from '../support/e2e';

/**
 * Cancellation and expiry over HTTP with the real API and worker: units come back once,
 * the sale sells again after a sell-out, and Postgres follows Redis.
 */
describe('order lifecycle: cancel and expire', () => {
  let world: TestWorld;
  let stack: Stack;
  let sql: Client;
  let admin: string;

  beforeAll(async () => {
    ({ world, stack, sql, admin } = await startE2E({
      PAYMENT_WINDOW_SECONDS: '5',
      EXPIRY_SWEEP_INTERVAL_MS: '500',
    }));
  });

  afterAll(async () => {
    await stopE2E({ world, stack, sql });
  });

  const stats = async (saleId: string) =>
    (await call<SaleStats>(stack.http, 'GET', `/admin/sales/${saleId}/stats`, { token: admin }))
      .body;

  async function expectConservation(saleId: string): Promise<SaleStats> {
    const s = await stats(saleId);
    expect(s.remaining + s.held + s.paid).toBe(s.stock);
    return s;
  }

  it('cancel returns units once, ends the sell-out, and pending orders expire on time', async () => {
    const saleId = await createSale(stack.http, admin, { stock: 3, perUserLimit: 1 });
    const tokens = await Promise.all(
      ['ann', 'bob', 'cy', 'dee'].map((b) => devToken(stack.http, b)),
    );
    const buy = (i: number) =>
      call(stack.http, 'POST', `/sales/${saleId}/purchase`, { token: tokens[i] });
    const bought: Answer[] = [];
    for (let i = 0; i < 3; i++) bought.push(await buy(i));
    expect(bought.map((a) => a.status)).toEqual([202, 202, 202]);
    const [ann, bob, cy] = bought.map((a) => a.body.orderId as string);
    expect((await call(stack.http, 'GET', `/sales/${saleId}`)).body.status).toBe('sold_out');
    expectErrorShape(await buy(3), 409, 'SOLD_OUT');
    await expectConservation(saleId);

    // Ann cancels: her unit goes back, once.
    const cancelled = await call(stack.http, 'POST', `/orders/${ann}/cancel`, { token: tokens[0] });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      id: ann,
      status: 'cancelled',
      buyerId: 'ann',
      quantity: 1,
    });
    expectErrorShape(
      await call(stack.http, 'POST', `/orders/${ann}/cancel`, { token: tokens[0] }),
      409,
      'ORDER_CLOSED',
    );
    expectErrorShape(
      await call(stack.http, 'POST', `/orders/${bob}/cancel`, { token: tokens[0] }),
      403,
      'FORBIDDEN',
    );
    expect(
      (await call(stack.http, 'GET', `/orders/${ann}`, { token: tokens[0] })).body.status,
    ).toBe('cancelled');
    expect(await expectConservation(saleId)).toMatchObject({ remaining: 1, held: 2, paid: 0 });

    // Sold out is not forever: every API instance heard it, and Dee buys the returned unit.
    expect((await call(stack.http, 'GET', `/sales/${saleId}`)).body).toMatchObject({
      status: 'live',
      remaining: 1,
    });
    const dee = await buy(3);
    expect(dee.status).toBe(202);
    expect(dee.body.orderId).toBeDefined();

    // Nobody pays: after the 5-second window every pending order expires, once.
    const pending = [bob, cy, dee.body.orderId as string];
    const order = await call(stack.http, 'GET', `/orders/${bob}`, { token: tokens[1] });
    expect(Date.parse(order.body.expiresAt) - Date.parse(order.body.createdAt)).toBe(5000);
    await until(async () => (await stats(saleId)).remaining === 3, 15_000);
    for (const [i, id] of pending.entries()) {
      const view = await call(stack.http, 'GET', `/orders/${id}`, { token: tokens[i + 1] });
      expect(view.body.status).toBe('expired');
      expectErrorShape(
        await call(stack.http, 'POST', `/orders/${id}/cancel`, { token: tokens[i + 1] }),
        409,
        'ORDER_CLOSED',
      );
    }
    // Postgres follows: every order present with its final status, no live units left.
    await until(async () => {
      const s = await stats(saleId);
      return s.pipelineLag === 0 && s.ordersPersisted === 0;
    });
    expect(await expectConservation(saleId)).toMatchObject({
      remaining: 3,
      held: 0,
      paid: 0,
      unitsPersisted: 0,
    });
    await until(async () => {
      const { rows } = await sql.query(
        `SELECT count(*)::int AS n FROM orders WHERE sale_id = $1 AND closed_at IS NOT NULL`,
        [saleId],
      );
      return rows[0].n === 4;
    });
    const { rows } = await sql.query(
      `SELECT id, status FROM orders WHERE sale_id = $1 ORDER BY created_at`,
      [saleId],
    );
    expect(
      Object.fromEntries(rows.map((r: { id: string; status: string }) => [r.id, r.status])),
    ).toEqual({
      [ann]: 'cancelled',
      [bob]: 'expired',
      [cy]: 'expired',
      [dee.body.orderId as string]: 'expired',
    });
    // And the units sell again.
    expect((await buy(0)).status).toBe(202);
  });

  it('pays and cancels orders that have not reached Postgres yet, leaving one row each', async () => {
    await stopProcess(stack.worker); // the pipeline stalls: orders stay in Redis only
    const saleId = await createSale(stack.http, admin, { stock: 4, perUserLimit: 1 });
    const tokens = await Promise.all(
      ['p1', 'p2', 'c1', 'c2'].map((b) => devToken(stack.http, `early-${b}`)),
    );
    const ids: string[] = [];
    for (const token of tokens) {
      ids.push(
        (await call(stack.http, 'POST', `/sales/${saleId}/purchase`, { token })).body.orderId,
      );
    }
    const inPostgres = async () =>
      (await sql.query(`SELECT id, status FROM orders WHERE sale_id = $1`, [saleId])).rows as {
        id: string;
        status: string;
      }[];
    expect(await inPostgres()).toEqual([]);
    expect(
      (await call(stack.http, 'POST', `/orders/${ids[0]}/pay`, { token: tokens[0] })).body.status,
    ).toBe('paid');
    expect(
      (await call(stack.http, 'POST', `/orders/${ids[1]}/pay`, { token: tokens[1] })).body.status,
    ).toBe('paid');
    expect(
      (await call(stack.http, 'POST', `/orders/${ids[2]}/cancel`, { token: tokens[2] })).body
        .status,
    ).toBe('cancelled');
    expect(
      (await call(stack.http, 'POST', `/orders/${ids[3]}/cancel`, { token: tokens[3] })).body
        .status,
    ).toBe('cancelled');
    expect(await stats(saleId)).toMatchObject({ remaining: 2, held: 0, paid: 2, pipelineLag: 4 });

    stack.startWorker();
    await until(
      async () => (await inPostgres()).length === 4 && (await stats(saleId)).pipelineLag === 0,
    );
    const rows = await inPostgres();
    expect(Object.fromEntries(rows.map((r) => [r.id, r.status]))).toEqual({
      [ids[0]]: 'paid',
      [ids[1]]: 'paid',
      [ids[2]]: 'cancelled',
      [ids[3]]: 'cancelled',
    });
    expect(await expectConservation(saleId)).toMatchObject({
      paid: 2,
      unitsPersisted: 2,
      ordersPersisted: 2,
    });
  });
});
