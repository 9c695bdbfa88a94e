import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AcceptedOrder, OrdersQueue, OrderWriter } from '@flash/orders';
import { WorkerMetrics } from '../../apps/worker/src/worker-metrics';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { until } from '../support/client';
import { TestWorld, destroyWorld, migrate, newWorld, sqlClient } from '../support/test-env';

function makeOrders(saleId: string, n: number): AcceptedOrder[] {
  return Array.from({ length: n }, (_, i) => ({
    orderId: randomUUID(),
    saleId,
    buyerId: `buyer-${i}`,
    quantity: 1 + (i % 2),
    createdAtMs: Date.now(),
    expiresAtMs: Date.now() + 60_000,
    status: 'pending_payment' as const,
  }));
}

/**
 * A migrated world with one sale in Postgres and the worker running; registers its own
 * setup and teardown. Its sales live in Postgres only: nothing for the recovery loop to restore.
 */
function pipelineWorld(env: Record<string, string>) {
  const saleId = randomUUID();
  const w = {
    saleId,
    world: undefined as unknown as TestWorld,
    worker: undefined as unknown as INestApplicationContext,
    queue: undefined as unknown as OrdersQueue,
    sql: undefined as unknown as Client,
    rowCount: async (ids: string[]) =>
      Number(
        (await w.sql.query(`SELECT count(*) FROM orders WHERE id = ANY($1::uuid[])`, [ids])).rows[0]
          .count,
      ),
  };
  beforeAll(async () => {
    w.world = newWorld({ ...env, REBUILD_AUTO: 'false' });
    await migrate(w.world);
    w.sql = await sqlClient(w.world);
    await w.sql.query(
      `INSERT INTO sales (id, name, sku, price, stock, per_user_limit, starts_at) VALUES ($1, 'M2', 'MI2', 199900, 100000, 2, now())`,
      [saleId],
    );
    w.worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(w.world.config), {
      logger: ['error'],
    });
    await w.worker.init();
    w.queue = new OrdersQueue(w.world.config);
  });
  afterAll(async () => {
    await w.queue.onApplicationShutdown();
    await w.worker.close();
    await w.sql.end();
    await destroyWorld(w.world);
  });
  return w;
}

/** The worker against real BullMQ and Postgres: every order becomes exactly one row. */
describe.each(['batch', 'order'] as const)('order pipeline (%s jobs)', (jobMode) => {
  const w = pipelineWorld({
    ORDER_JOB_MODE: jobMode,
    ORDER_BATCH_SIZE: '100',
    ORDER_BATCH_LINGER_MS: '5',
  });
  const { saleId, rowCount } = w;

  it('writes each order once even when every job is delivered twice', async () => {
    const orders = makeOrders(saleId, 1000);
    const ids = orders.map((o) => o.orderId);
    // Each chunk is enqueued twice under different batch keys: a relay that re-sent a
    // batch after a crash. In `order` mode the second copy also has a new job id.
    for (let i = 0; i < orders.length; i += 250) {
      const chunk = orders.slice(i, i + 250);
      await w.queue.addOrders(chunk, `first_${i}`);
      await w.queue.addOrders(chunk, `again_${i}`);
    }
    if (jobMode === 'order') {
      // Jobs named by order id: a re-add under the same id is absorbed by BullMQ itself.
      await w.queue.queue.addBulk(
        orders.slice(0, 100).map((o) => ({
          name: 'persist-orders',
          data: w.queue.sealed([o]),
          opts: { jobId: `dup-${o.orderId}` },
        })),
      );
    }
    await until(async () => (await rowCount(ids)) === orders.length);
    await until(async () => {
      const counts = await w.queue.depth();
      // Delayed jobs are not counted: the expiry sweep always has its next run waiting.
      return counts.waiting + counts.active + counts.prioritized === 0;
    });
    expect(await rowCount(ids)).toBe(orders.length);
    const { rows } = await w.sql.query(
      `SELECT o.id, o.buyer_id, o.quantity, o.unit_price, o.status FROM orders o WHERE o.id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.map((r: { id: string }) => [r.id, r]));
    for (const o of orders) {
      expect(byId.get(o.orderId)).toEqual({
        id: o.orderId,
        buyer_id: o.buyerId,
        quantity: o.quantity,
        unit_price: '199900',
        status: 'pending_payment',
      });
    }
  });

  it('writes in multi-row batches when jobs pile up', async () => {
    const writer = w.worker.get(OrderWriter);
    const spy = jest.spyOn(writer, 'write');
    const orders = makeOrders(saleId, 600);
    await w.queue.addOrders(orders, `pile_${randomUUID()}`);
    await until(async () => (await rowCount(orders.map((o) => o.orderId))) === orders.length);
    const sizes = spy.mock.calls.map(([batch]) => batch.length);
    spy.mockRestore();
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(orders.length);
  });

  it('retries a batch that failed and loses nothing', async () => {
    const writer = w.worker.get(OrderWriter);
    const real = writer.write.bind(writer);
    let failures = 0;
    const spy = jest.spyOn(writer, 'write').mockImplementation(async (batch) => {
      if (failures < 2) {
        failures++;
        throw new Error('simulated Postgres outage');
      }
      return real(batch);
    });
    const orders = makeOrders(saleId, 50);
    await w.queue.addOrders(orders, `retry_${randomUUID()}`);
    await until(async () => (await rowCount(orders.map((o) => o.orderId))) === orders.length);
    spy.mockRestore();
    expect(failures).toBe(2);
  });
});

/**
 * A Postgres outage longer than the retries used to lose orders: each job had 10 attempts
 * (about 100 s with the default backoff) and a failed job was never tried again.
 */
describe('order pipeline through a long Postgres outage', () => {
  const w = pipelineWorld({
    ORDER_JOB_BACKOFF_MS: '1',
    ORDER_JOB_BACKOFF_MAX_MS: '20',
    EXPIRY_SWEEP_INTERVAL_MS: '200',
  });
  const { saleId, rowCount } = w;

  it('keeps retrying a batch for as long as Postgres refuses it, and loses nothing', async () => {
    const writer = w.worker.get(OrderWriter);
    const real = writer.write.bind(writer);
    let failures = 0;
    const spy = jest.spyOn(writer, 'write').mockImplementation(async (batch) => {
      if (failures < 40) {
        failures++;
        throw new Error('simulated Postgres outage');
      }
      return real(batch);
    });
    const orders = makeOrders(saleId, 30);
    await w.queue.addOrders(orders, `outage_${randomUUID()}`);
    await until(async () => (await rowCount(orders.map((o) => o.orderId))) === orders.length);
    spy.mockRestore();
    expect(failures).toBe(40);
    expect(await w.queue.queue.getFailedCount()).toBe(0);
  });

  it('replays a persistence job that failed for good (dead letter) without being asked', async () => {
    const orders = makeOrders(saleId, 5);
    // A job that ran out of attempts the way an old or hand-made job can: one attempt, failed.
    const writer = w.worker.get(OrderWriter);
    const real = writer.write.bind(writer);
    let refused = false;
    const spy = jest.spyOn(writer, 'write').mockImplementation(async (batch) => {
      if (!refused && batch.some((o) => o.orderId === orders[0].orderId)) {
        refused = true;
        throw new Error('simulated Postgres outage');
      }
      return real(batch);
    });
    await w.queue.queue.add('persist-orders', w.queue.sealed(orders), {
      attempts: 1,
      jobId: `dead_${saleId}`,
    });
    await until(() => Promise.resolve(refused));
    await until(async () => (await rowCount(orders.map((o) => o.orderId))) === orders.length);
    spy.mockRestore();
    expect(await w.queue.queue.getFailedCount()).toBe(0);
    const replayed = await w.worker.get(WorkerMetrics).replayed.get();
    expect(replayed.values[0]?.value).toBeGreaterThanOrEqual(1);
  });
});

describe('OrderWriter', () => {
  const world = newWorld();
  let sql: Client;
  const saleId = randomUUID();

  beforeAll(async () => {
    await migrate(world);
    sql = await sqlClient(world);
    await sql.query(
      `INSERT INTO sales (id, name, sku, price, stock, per_user_limit, starts_at) VALUES ($1, 'M1', 'MI1', 199900, 10, 1, now())`,
      [saleId],
    );
  });
  afterAll(async () => {
    await sql.end();
    await destroyWorld(world);
  });

  it('converges on the latest status whatever order the entries arrive in', async () => {
    const { createDataSource } = await import('@flash/database');
    const dataSource = await createDataSource(world.config, 'writer-test').initialize();
    const writer = new OrderWriter(dataSource);
    const [early, late, twice] = makeOrders(saleId, 3);
    // A transition that overtook its order's first entry creates the row in its final status.
    expect((await writer.write([{ ...early, status: 'cancelled' }])).changed).toBe(1);
    expect((await writer.write([early])).changed).toBe(0);
    // A pending row moves once; a stale or repeated entry changes nothing after that.
    expect((await writer.write([late])).changed).toBe(1);
    expect((await writer.write([{ ...late, status: 'paid' }])).changed).toBe(1);
    expect((await writer.write([{ ...late, status: 'expired' }, late])).changed).toBe(0);
    // Both entries of one order in one batch.
    expect((await writer.write([twice, { ...twice, status: 'expired' }])).changed).toBe(1);
    const { rows } = await sql.query(
      `SELECT id, status, closed_at IS NOT NULL AS closed FROM orders WHERE id = ANY($1::uuid[])`,
      [[early.orderId, late.orderId, twice.orderId]],
    );
    expect(rows.every((r: { closed: boolean }) => r.closed)).toBe(true);
    const byId = Object.fromEntries(
      rows.map((r: { id: string; status: string }) => [r.id, r.status]),
    );
    expect(byId).toEqual({
      [early.orderId]: 'cancelled',
      [late.orderId]: 'paid',
      [twice.orderId]: 'expired',
    });
    await dataSource.destroy();
  });

  it('refuses, loudly, an order whose sale does not exist', async () => {
    const { createDataSource } = await import('@flash/database');
    const dataSource = await createDataSource(world.config, 'writer-test').initialize();
    const writer = new OrderWriter(dataSource);
    const good = makeOrders(saleId, 2);
    expect((await writer.write(good)).changed).toBe(2);
    expect((await writer.write(good)).changed).toBe(0);
    await expect(writer.write(makeOrders(randomUUID(), 1))).rejects.toThrow(/unknown sale/);
    await dataSource.destroy();
  });
});
