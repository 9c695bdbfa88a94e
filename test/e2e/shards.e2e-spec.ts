import { Pool } from 'undici';
import { signToken } from '@flash/auth';
import type { SaleStats } from '@flash/orders';
import { waitHealthy } from '../../loadtest/bench/processes';
import { Answer, call, expectErrorShape, until } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';
import { API_MAIN, freePort, startProcess, stopProcess } from '../support/stack';

const STOCK = 200;
const SHARDS = 4;
const BUYERS = 320;

/**
 * A sale split into inventory shards, over HTTP with two API instances and the worker:
 * appointments kept in each buyer's home shard, every unit sold once across the shards
 * however the buyers fall on them, the sell-out announced once and undone by a cancellation,
 * payments and the stats summed over the shards, and Postgres agreeing.
 */
describe('a sale split into inventory shards', () => {
  let e2e: E2E;
  let other: Pool;
  let second: ReturnType<typeof startProcess>;
  const token = (buyer: string) =>
    signToken({ sub: buyer, exp: Math.floor(Date.now() / 1000) + 600 }, e2e.world.config.jwtSecret);
  const as = (http: Pool, buyer: string, method: string, path: string, headers = {}) =>
    call(http, method, path, {
      token: token(buyer),
      headers,
      body: method === 'POST' ? {} : undefined,
    });

  beforeAll(async () => {
    e2e = await startE2E({ RATE_LIMIT_PER_BUYER: '1000' });
    const port = await freePort();
    second = startProcess(API_MAIN, { ...e2e.stack.env, PORT: String(port) });
    other = new Pool(`http://127.0.0.1:${port}`, { connections: 64 });
    await waitHealthy(second, `http://127.0.0.1:${port}`);
  });

  afterAll(async () => {
    await other?.close();
    await stopProcess(second);
    await stopE2E(e2e);
  });

  const stats = async () =>
    (
      await call<SaleStats>(e2e.stack.http, 'GET', `/admin/sales/${saleId}/stats`, {
        token: e2e.admin,
      })
    ).body;
  let saleId: string;

  it.each([
    [{ shards: 0 }, 'shards'],
    [{ shards: 65 }, 'shards'],
    [{ shards: 2.5 }, 'shards'],
    [{ shards: '2' }, 'shards'],
    [{ shards: 11, stock: 10 }, 'shards must not exceed stock'],
  ])('refuses %j with 400 and creates nothing', async (fields, message) => {
    const before = await e2e.sql.query('SELECT count(*)::int AS n FROM sales');
    const answer = await call(e2e.stack.http, 'POST', '/admin/sales', {
      token: e2e.admin,
      body: {
        name: 'x',
        sku: 'x',
        price: 1,
        stock: 10,
        startsAt: new Date(Date.now() + 60_000).toISOString(),
        ...fields,
      },
    });
    expectErrorShape(answer, 400, 'INVALID_REQUEST');
    expect(answer.body.error.message).toContain(message);
    const after = await e2e.sql.query('SELECT count(*)::int AS n FROM sales');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it(`sells ${STOCK} units over ${SHARDS} shards to ${BUYERS} registered buyers on two instances, each once`, async () => {
    const opensAt = Date.now() + 4000;
    const created = await call(e2e.stack.http, 'POST', '/admin/sales', {
      token: e2e.admin,
      body: {
        name: 'Redmi 1S, sharded',
        sku: 'R1S',
        price: 69_900,
        stock: STOCK,
        shards: SHARDS,
        startsAt: new Date(opensAt).toISOString(),
        appointments: { opensAt: new Date().toISOString() },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ stock: STOCK, shards: SHARDS });
    saleId = created.body.id;

    const buyers = Array.from({ length: BUYERS }, (_, i) => `sharded-${i}`);
    const registered = await Promise.all(
      buyers.map((b, i) =>
        as(i % 2 ? other : e2e.stack.http, b, 'POST', `/sales/${saleId}/registration`),
      ),
    );
    expect(registered.map((r) => r.status)).toEqual(buyers.map(() => 201));
    const found = await as(other, buyers[7], 'GET', `/sales/${saleId}/registration`);
    expect(found.status).toBe(200);
    expect((await stats()).registrations).toBe(BUYERS);

    await new Promise((r) => setTimeout(r, Math.max(0, opensAt - Date.now() + 50)));
    const walkIn = await as(e2e.stack.http, 'walk-in', 'POST', `/sales/${saleId}/purchase`);
    expectErrorShape(walkIn, 403, 'NOT_REGISTERED');

    const answers: Answer[] = await Promise.all(
      buyers.map(async (b, i) => {
        const http = i % 2 ? other : e2e.stack.http;
        const path = `/sales/${saleId}/purchase`;
        const first = await as(http, b, 'POST', path, { 'idempotency-key': `k-${i}` });
        if (i % 7 !== 0) return first;
        // A replay on the other instance finds the same order in the same shard.
        const again = await as(i % 2 ? e2e.stack.http : other, b, 'POST', path, {
          'idempotency-key': `k-${i}`,
        });
        if (first.status === 202) expect(again.body.orderId).toBe(first.body.orderId);
        return first;
      }),
    );
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted).toHaveLength(STOCK);
    for (const a of answers.filter((x) => x.status !== 202)) expectErrorShape(a, 409, 'SOLD_OUT');
    const final = await stats();
    expect(final).toMatchObject({ stock: STOCK, remaining: 0, held: STOCK, paid: 0 });
    expect(final.shards).toMatchObject({ count: SHARDS, inFlight: 0 });

    // Paid and cancelled in whichever shard holds the order, through either instance.
    const [toPay, toCancel] = accepted.map((a) => a.body.orderId as string);
    const buyerOf = (orderId: string) =>
      buyers[answers.findIndex((a) => a.body?.orderId === orderId)];
    const paid = await as(other, buyerOf(toPay), 'POST', `/orders/${toPay}/pay`);
    expect(paid.status).toBe(200);
    const cancelled = await as(
      e2e.stack.http,
      buyerOf(toCancel),
      'POST',
      `/orders/${toCancel}/cancel`,
    );
    expect(cancelled.status).toBe(200);
    // The unit is back: a buyer refused before buys it now, on either instance.
    const refused = buyers.filter((_, i) => answers[i].status === 409);
    const late = await as(other, refused[0], 'POST', `/sales/${saleId}/purchase`, {
      'idempotency-key': 'late',
    });
    expect(late.status).toBe(202);
    const after = await stats();
    expect(after).toMatchObject({ stock: STOCK, remaining: 0, held: STOCK - 1, paid: 1 });

    // Postgres: every live unit once, one per buyer.
    await until(async () => {
      const s = await stats();
      return s.unitsPersisted === STOCK && s.pipelineLag === 0;
    });
    const { rows } = await e2e.sql.query(
      `SELECT buyer_id, sum(quantity)::int AS units FROM orders
       WHERE sale_id = $1 AND status IN ('pending_payment', 'paid') GROUP BY buyer_id`,
      [saleId],
    );
    expect(rows).toHaveLength(STOCK);
    expect(rows.every((r) => r.units === 1)).toBe(true);
    const { rows: seqs } = await e2e.sql.query(
      `SELECT count(*)::int AS n, count(DISTINCT seq)::int AS distinct FROM orders WHERE sale_id = $1`,
      [saleId],
    );
    expect(seqs[0].distinct).toBe(seqs[0].n);
    const health = await call(e2e.stack.http, 'GET', '/health');
    expect(health.status).toBe(200);
  });
});
