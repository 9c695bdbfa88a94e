import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { signToken } from '@flash/auth';
import type { SaleStats as Stats } from '@flash/orders';
import { Answer, call, createSale, devToken, until } from '../support/client';
import { Stack, stopProcess } from '../support/stack';
import { TestWorld } from '../support/test-env';
import { startE2E, stopE2E } from '../support/e2e';

const STOCK = 500;
const LIMIT = 2;
const BUYERS = 2000;

/**
 * The whole system as users run it: API and worker processes, real Redis and Postgres,
 * 2,000 buyers racing for 500 units at the opening second over HTTP, with retries,
 * replayed Idempotency-Keys and bad requests mixed in. Then the invariants of docs/design.md.
 */
describe('a flash sale end to end', () => {
  let world: TestWorld;
  let stack: Stack;
  let sql: Client;
  let admin: string;

  beforeAll(async () => {
    ({ world, stack, sql, admin } = await startE2E());
  });

  afterAll(async () => {
    await stopE2E({ world, stack, sql });
  });

  it(`sells exactly ${STOCK} units to ${BUYERS} concurrent buyers, each once in Postgres`, async () => {
    const opensAt = Date.now() + 1500;
    const created = await call(stack.http, 'POST', '/admin/sales', {
      token: admin,
      body: {
        name: 'Xiaomi M1 youth',
        sku: 'MI1Y',
        price: 149_900,
        stock: STOCK,
        startsAt: new Date(opensAt).toISOString(),
        perUserLimit: LIMIT,
      },
    });
    expect(created.status).toBe(201);
    const saleId: string = created.body.id;
    expect(created.body).toMatchObject({
      stock: STOCK,
      perUserLimit: LIMIT,
      price: 149_900,
      endsAt: null,
    });
    expect((await call(stack.http, 'GET', `/sales/${saleId}`)).body.status).toBe('upcoming');

    const tokens = Array.from({ length: BUYERS }, (_, i) =>
      signToken(
        { sub: `fan-${i}`, exp: Math.floor(Date.now() / 1000) + 600 },
        world.config.jwtSecret,
      ),
    );
    const path = `/sales/${saleId}/purchase`;
    const accepted: { buyer: number; orderId: string; quantity: number }[] = [];
    const replayPairs: [Answer, Answer][] = [];
    const refused = new Map<string, number>();
    const badAnswers: Answer[] = [];

    async function buyer(i: number): Promise<void> {
      const token = tokens[i];
      let quantity = i % 5 === 0 ? 2 : 1;
      // Fans arrive in the last moments before the opening and keep clicking.
      await new Promise((r) => setTimeout(r, Math.max(0, opensAt - Date.now() - 200 + (i % 400))));
      if (i % 10 === 3) {
        badAnswers.push(await call(stack.http, 'POST', path, { token, body: { quantity: 0 } }));
        badAnswers.push(await call(stack.http, 'POST', path, { token, body: '{"quantity":' }));
        badAnswers.push(
          await call(stack.http, 'POST', path, { token: `${token}x`, body: { quantity: 1 } }),
        );
      }
      for (let attempt = 0; attempt < 40; attempt++) {
        const key = `fan-${i}-click-${attempt}`;
        const send = () =>
          call(stack.http, 'POST', path, {
            token,
            body: { quantity },
            headers: { 'idempotency-key': key },
          });
        let answer: Answer;
        if (i % 7 === 0) {
          // A retrying client: the same key twice at once.
          const pair = await Promise.all([send(), send()]);
          replayPairs.push(pair);
          // A refusal records nothing, so the twin may still be accepted (the sale opened
          // between them): the accepted one is the answer.
          answer = pair.find((a) => a.status === 202) ?? pair[0];
        } else {
          answer = await send();
        }
        if (answer.status === 202) {
          accepted.push({ buyer: i, orderId: answer.body.orderId, quantity: answer.body.quantity });
          return;
        }
        const code: string = answer.body.error.code;
        refused.set(code, (refused.get(code) ?? 0) + 1);
        if (code === 'SOLD_OUT' && quantity === 2) {
          // Fewer than two left: settle for one, as a real fan would.
          quantity = 1;
          continue;
        }
        if (code !== 'NOT_STARTED') return;
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    await Promise.all(Array.from({ length: BUYERS }, (_, i) => buyer(i)));

    // 1. No oversell, and the sale sold out exactly.
    const unitsAccepted = accepted.reduce((n, a) => n + a.quantity, 0);
    expect(unitsAccepted).toBe(STOCK);
    expect(refused.get('SOLD_OUT')).toBeGreaterThan(0);
    expect(
      [...refused.keys()].every((c) => ['SOLD_OUT', 'NOT_STARTED', 'LIMIT_REACHED'].includes(c)),
    ).toBe(true);
    // 5. Replays returned the same order, never a second one.
    expect(replayPairs.length).toBeGreaterThan(0);
    for (const [a, b] of replayPairs) {
      if (a.status === 202 && b.status === 202) expect(b.body.orderId).toBe(a.body.orderId);
      else expect(a.status === 409 || b.status === 409).toBe(true);
    }
    expect(new Set(accepted.map((a) => a.orderId)).size).toBe(accepted.length);
    // 7. Bad requests were refused in the contract's shape.
    for (const bad of badAnswers) {
      expect([400, 401]).toContain(bad.status);
      expect(Object.keys(bad.body)).toEqual(['error']);
    }

    // 4. After the drain every 202 is exactly one order row, and Redis and Postgres agree.
    let stats: Stats = {
      saleId: '',
      stock: 0,
      remaining: -1,
      held: -1,
      paid: -1,
      ordersPersisted: -1,
      unitsPersisted: -1,
      pipelineLag: -1,
    };
    await until(async () => {
      stats = (
        await call<Stats>(stack.http, 'GET', `/admin/sales/${saleId}/stats`, { token: admin })
      ).body;
      return stats.pipelineLag === 0 && stats.unitsPersisted === STOCK;
    });
    expect(stats).toMatchObject({
      stock: STOCK,
      remaining: 0,
      held: STOCK,
      paid: 0,
      ordersPersisted: accepted.length,
      unitsPersisted: STOCK,
      pipelineLag: 0,
    });
    // 2. Conservation.
    expect(stats.remaining + stats.held + stats.paid).toBe(stats.stock);
    const { rows } = await sql.query(
      `SELECT id, buyer_id, quantity, unit_price FROM orders WHERE sale_id = $1`,
      [saleId],
    );
    expect(rows).toHaveLength(accepted.length);
    expect(rows.reduce((n: number, r: { quantity: number }) => n + r.quantity, 0)).toBe(STOCK);
    const rowById = new Map(rows.map((r: { id: string }) => [r.id, r]));
    for (const a of accepted) {
      expect(rowById.get(a.orderId)).toMatchObject({
        buyer_id: `fan-${a.buyer}`,
        quantity: a.quantity,
        unit_price: '149900',
      });
    }
    // 3. Nobody over the limit, counted in Postgres.
    const perBuyer = await sql.query(
      `SELECT buyer_id, sum(quantity)::int AS units FROM orders WHERE sale_id = $1 GROUP BY buyer_id ORDER BY units DESC LIMIT 1`,
      [saleId],
    );
    expect(perBuyer.rows[0].units).toBeLessThanOrEqual(LIMIT);

    // Every 202's order is readable by its buyer, not by another buyer.
    for (const a of accepted) {
      const order = await call(stack.http, 'GET', `/orders/${a.orderId}`, {
        token: tokens[a.buyer],
      });
      expect(order.status).toBe(200);
      expect(order.body).toMatchObject({
        id: a.orderId,
        saleId,
        buyerId: `fan-${a.buyer}`,
        quantity: a.quantity,
        unitPrice: 149_900,
        status: 'pending_payment',
      });
    }
    const someone = accepted[0];
    const other = tokens[(someone.buyer + 1) % BUYERS];
    expect(
      (await call(stack.http, 'GET', `/orders/${someone.orderId}`, { token: other })).status,
    ).toBe(403);
    expect(
      (await call(stack.http, 'GET', `/orders/${someone.orderId}`, { token: admin })).status,
    ).toBe(200);

    const sale = await call(stack.http, 'GET', `/sales/${saleId}`);
    expect(sale.body).toMatchObject({ id: saleId, remaining: 0, status: 'sold_out', stock: STOCK });

    // The metrics saw it.
    const metrics = await call<string>(stack.http, 'GET', '/metrics');
    expect(metrics.body).toMatch(/flash_purchase_attempts_total\{outcome="ACCEPTED"\} \d+/);
    expect(metrics.body).toMatch(/flash_purchase_duration_seconds_bucket/);
    expect(metrics.body).toMatch(/flash_orders_queue_jobs\{state="waiting"\} 0/);
    expect(metrics.body).toContain(`flash_sale_units{sale="${saleId}",state="remaining"} 0`);
    const workerMetrics = await (await fetch(stack.workerMetricsUrl)).text();
    const persisted = Number(/^flash_orders_persisted_total (\d+)/m.exec(workerMetrics)?.[1]);
    expect(persisted).toBe(accepted.length);
    expect(workerMetrics).toMatch(/flash_order_batch_size_count \d+/);
  });

  it('answers an order still in the pipeline from its Redis hold', async () => {
    // No worker for this sale's orders yet: stop it, buy, read, then let it drain.
    await stopProcess(stack.worker);
    const saleId = await createSale(stack.http, admin, { stock: 5 });
    const token = await devToken(stack.http, 'early-bird');
    const bought = await call(stack.http, 'POST', `/sales/${saleId}/purchase`, { token });
    expect(bought.status).toBe(202);
    const order = await call(stack.http, 'GET', `/orders/${bought.body.orderId}`, { token });
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({
      id: bought.body.orderId,
      status: 'pending_payment',
      quantity: 1,
      unitPrice: 199_900,
    });
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM orders WHERE id = $1`, [
      bought.body.orderId,
    ]);
    expect(rows[0].n).toBe(0);
    expect(
      (await call(stack.http, 'GET', `/admin/sales/${saleId}/stats`, { token: admin })).body
        .pipelineLag,
    ).toBe(1);
    stack.startWorker();
    await until(async () => {
      const r = await sql.query(`SELECT count(*)::int AS n FROM orders WHERE id = $1`, [
        bought.body.orderId,
      ]);
      return r.rows[0].n === 1;
    });
    expect((await call(stack.http, 'GET', `/orders/${randomUUID()}`, { token })).status).toBe(404);
  });
});
