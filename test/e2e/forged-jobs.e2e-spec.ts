import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import { Pool } from 'undici';
import { AcceptedOrder, OrdersQueue, bullConnection, closeBullConnection } from '@flash/orders';
import { call, createSale, devToken, until } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';
import { RunningProcess, freePort, startProcess, stopProcess } from '../support/stack';
import { waitHealthy } from '../../loadtest/bench/processes';

const BOARD_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'queue-board', 'src', 'main.js');

/**
 * Jobs nobody's outbox produced: added through a queue board whose writes an operator turned
 * on (the attack path when its gate was open), or by an insider with the secret. The worker
 * writes none of them, fails each once, never replays it, and the sale rebuild's flush leaves
 * it out; the sale's invariants hold afterwards.
 */
describe('forged persistence jobs', () => {
  let e2e: E2E;
  let board: RunningProcess;
  let boardHttp: Pool;
  let queue: Queue;
  let connection: ReturnType<typeof bullConnection>;
  let queueName: string;
  let saleId: string;

  beforeAll(async () => {
    e2e = await startE2E({ EXPIRY_SWEEP_INTERVAL_MS: '300' });
    const port = await freePort();
    board = startProcess(BOARD_MAIN, {
      ...e2e.world.env,
      QUEUE_BOARD_PORT: String(port),
      QUEUE_BOARD_WRITES: 'true',
    });
    await waitHealthy(board, `http://127.0.0.1:${port}`);
    boardHttp = new Pool(`http://127.0.0.1:${port}`);
    const config = e2e.world.config;
    connection = bullConnection(config);
    queue = new Queue(config.queue.ordersQueue, {
      connection,
      prefix: config.queue.prefix,
    });
    const queues = await call(boardHttp, 'GET', '/queues/api/queues', { token: e2e.admin });
    queueName = (queues.body.queues as { name: string }[])[0].name;
    saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 10, perUserLimit: 2 });
  });
  afterAll(async () => {
    await queue?.close();
    if (connection) await closeBullConnection(connection);
    await boardHttp?.close();
    if (board) await stopProcess(board);
    await stopE2E(e2e);
  });

  async function buy(buyer: string): Promise<string> {
    const token = await devToken(e2e.stack.http, buyer);
    const answer = await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, {
      token,
      body: { quantity: 1 },
    });
    expect(answer.status).toBe(202);
    return answer.body.orderId as string;
  }

  async function storedStatus(orderId: string): Promise<string | undefined> {
    const { rows } = await e2e.sql.query<{ status: string }>(
      `SELECT status FROM orders WHERE id = $1`,
      [orderId],
    );
    return rows[0]?.status;
  }

  /** The stored row of one of the sale's orders, once the worker wrote it. */
  async function stored(orderId: string): Promise<AcceptedOrder> {
    await until(async () => (await storedStatus(orderId)) !== undefined);
    const { rows } = await e2e.sql.query(
      `SELECT buyer_id, quantity, created_at, expires_at FROM orders WHERE id = $1`,
      [orderId],
    );
    return {
      orderId,
      saleId,
      buyerId: rows[0].buyer_id,
      quantity: rows[0].quantity,
      createdAtMs: new Date(rows[0].created_at).getTime(),
      expiresAtMs: new Date(rows[0].expires_at).getTime(),
      status: 'pending_payment',
    };
  }

  /** Adds a job through the board, as an admin with writes on; returns the job's id. */
  async function addThroughBoard(name: string, data: unknown): Promise<string> {
    const answer = await call(boardHttp, 'POST', `/queues/api/queues/${queueName}/add`, {
      token: e2e.admin,
      body: { name, data, options: { attempts: 1 } },
    });
    expect(answer.status).toBe(200);
    return answer.body.job.id as string;
  }

  /** Waits until the job failed and the sweep (which replays dead letters) ran since, twice over. */
  async function refusedOnce(jobId: string): Promise<Job> {
    await until(async () => (await queue.getJob(jobId))?.failedReason !== undefined);
    for (let sweeps = 0; sweeps < 3; sweeps++) {
      const due = await nextSweep();
      await until(async () => (await nextSweep()) > due);
    }
    const job = (await queue.getJob(jobId)) as Job;
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/^refused:/);
    return job;
  }

  /** When the next expiry sweep (which replays dead letters) is due; it moves on each run. */
  async function nextSweep(): Promise<number> {
    return Number((await queue.getJobScheduler('expiry-sweep'))?.next ?? 0);
  }

  it('refuses a forged payment of a real order: it stays pending, and no charge appears', async () => {
    const orderId = await buy('forged-paid-buyer');
    const order = await stored(orderId);
    const jobId = await addThroughBoard('persist-orders', {
      orders: [{ ...order, status: 'paid' }],
    });
    const job = await refusedOnce(jobId);
    expect(job.failedReason).toMatch(/unsealed|not sealed/);
    expect(await storedStatus(orderId)).toBe('pending_payment');
    const order2 = await call(e2e.stack.http, 'GET', `/orders/${orderId}`, { token: e2e.admin });
    expect(order2.body.status).toBe('pending_payment');
    const charges = await e2e.sql.query(`SELECT 1 FROM gateway_charges WHERE order_id = $1`, [
      orderId,
    ]);
    expect(charges.rowCount).toBe(0);
  });

  it('refuses a forged paid order beyond the per-buyer limit: no row appears', async () => {
    const orderId = randomUUID();
    const now = Date.now();
    const jobId = await addThroughBoard('persist-orders', {
      orders: [
        {
          orderId,
          saleId,
          buyerId: 'hoarder',
          quantity: 5,
          createdAtMs: now,
          expiresAtMs: now + 60_000,
          status: 'paid',
        },
      ],
    });
    await refusedOnce(jobId);
    expect(await storedStatus(orderId)).toBeUndefined();
  });

  it('refuses a job for an unknown sale alone: a real order beside it is written', async () => {
    const now = Date.now();
    const jobId = await addThroughBoard('persist-orders', {
      orders: [
        {
          orderId: randomUUID(),
          saleId: randomUUID(),
          buyerId: 'nobody',
          quantity: 1,
          createdAtMs: now,
          expiresAtMs: now + 60_000,
          status: 'pending_payment',
        },
      ],
    });
    const real = await buy('beside-the-forgery');
    await until(async () => (await storedStatus(real)) === 'pending_payment');
    await refusedOnce(jobId);
  });

  it("refuses a real job's seal on altered content", async () => {
    const orderId = await buy('copied-seal-buyer');
    await stored(orderId);
    const completed = await queue.getJobs(['completed'], 0, 1000);
    const real = completed.find(
      (j) =>
        j.name === 'persist-orders' &&
        (j.data as { orders: AcceptedOrder[] }).orders.some((o) => o.orderId === orderId),
    ) as Job;
    const data = real.data as { orders: AcceptedOrder[]; seal: string };
    const jobId = await addThroughBoard('persist-orders', {
      orders: data.orders.map((o) => ({ ...o, status: 'paid' })),
      seal: data.seal,
    });
    await refusedOnce(jobId);
    expect(await storedStatus(orderId)).toBe('pending_payment');
  });

  it('refuses a sealed job that contradicts the sale record (an insider with the secret)', async () => {
    const orderId = await buy('insider-target');
    const order = await stored(orderId);
    const insider = new OrdersQueue(e2e.world.config);
    try {
      await insider.addOrders([{ ...order, status: 'paid' }], `insider_${orderId}`);
      await insider.addOrders([{ ...order, quantity: 2 }], `insider_more_${orderId}`);
      for (const jobId of [`insider_${orderId}`, `insider_more_${orderId}`]) {
        const job = await refusedOnce(jobId);
        expect(job.failedReason).toMatch(/pending, not paid|holds 1 units, not 2/);
      }
    } finally {
      await insider.onApplicationShutdown();
    }
    expect(await storedStatus(orderId)).toBe('pending_payment');
    const { rows } = await e2e.sql.query(`SELECT quantity FROM orders WHERE id = $1`, [orderId]);
    expect(rows[0].quantity).toBe(1);
  });

  it('refuses unknown job names and malformed expiries once', async () => {
    for (const [name, data] of [
      ['drop-tables', {}],
      ['expire-due', { saleId: 'not-a-sale' }],
      ['expire-due', { saleId, extra: true }],
      ['persist-orders', { orders: 'all' }],
    ] as const) {
      const jobId = await addThroughBoard(name, data);
      await refusedOnce(jobId);
    }
  });

  it("leaves forged jobs out of a sale rebuild's flush, and the sale's invariants hold", async () => {
    const orderId = await buy('rebuild-target');
    const order = await stored(orderId);
    const forgedId = randomUUID();
    const forged = await addThroughBoard('persist-orders', {
      orders: [
        { ...order, status: 'paid' },
        { ...order, orderId: forgedId, buyerId: 'ghost', status: 'paid' },
      ],
    });
    await refusedOnce(forged);
    const rebuild = await call(e2e.stack.http, 'POST', `/admin/sales/${saleId}/rebuild`, {
      token: e2e.admin,
    });
    expect(rebuild.status).toBe(200);
    expect(await storedStatus(orderId)).toBe('pending_payment');
    expect(await storedStatus(forgedId)).toBeUndefined();
    const live = await call(e2e.stack.http, 'GET', `/orders/${orderId}`, { token: e2e.admin });
    expect(live.body.status).toBe('pending_payment');

    // Nothing oversold, no buyer over the limit, Redis and Postgres agree once drained.
    const { rows } = await e2e.sql.query<{ buyer_id: string; units: number }>(
      `SELECT buyer_id, sum(quantity)::int AS units FROM orders
       WHERE sale_id = $1 AND status IN ('pending_payment', 'paid') GROUP BY buyer_id`,
      [saleId],
    );
    const units = rows.reduce((n, r) => n + r.units, 0);
    expect(units).toBeLessThanOrEqual(10);
    for (const row of rows) expect(row.units).toBeLessThanOrEqual(2);
    await until(async () => {
      const stats = await call(e2e.stack.http, 'GET', `/admin/sales/${saleId}/stats`, {
        token: e2e.admin,
      });
      return (
        stats.body.pipelineLag === 0 &&
        stats.body.held + stats.body.paid === units &&
        stats.body.remaining + units === 10
      );
    });
  });
});
