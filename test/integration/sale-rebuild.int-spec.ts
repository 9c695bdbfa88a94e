import { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { InventoryService, ReplicaAcks } from '@flash/inventory';
import { OrdersQueue, OutboxRelay } from '@flash/orders';
import { SaleRecovery } from '@flash/recovery';
import { RedisClient, RedisKeys } from '@flash/redis';
import { until } from '../support/client';
import { TestWorld } from '../support/test-env';
import { saleKeys } from '../support/sale-keys';
import { WorkerWorld, startWorkerWorld, stopWorkerWorld } from '../support/worker-world';

/**
 * A sale whose Redis state is lost (or rolled back) comes back from Postgres by itself:
 * the worker's recovery loop finds it, pauses it, rebuilds it and resumes it, and every
 * order Postgres had keeps its status, its units, its deadline and its Idempotency-Key.
 */
describe('rebuilding a sale from Postgres', () => {
  let w: WorkerWorld;
  let world: TestWorld;
  let worker: INestApplicationContext;
  let queue: OrdersQueue;
  let relay: OutboxRelay | undefined;
  let sql: Client;
  let redis: RedisClient;
  let inventory: InventoryService;
  let keys: RedisKeys;

  beforeAll(async () => {
    w = await startWorkerWorld({ REBUILD_CHECK_INTERVAL_MS: '200', REBUILD_REQUEUE_SECONDS: '0' });
    ({ world, worker, queue, sql, redis, inventory, keys } = w);
  });

  afterAll(async () => {
    await relay?.onApplicationShutdown();
    await stopWorkerWorld(w);
  });

  const stopRelay = async () => {
    await relay?.onApplicationShutdown();
    relay = undefined;
  };
  const startRelay = async () => {
    await stopRelay();
    relay = new OutboxRelay(world.config, keys, queue, new ReplicaAcks(world.config, keys, redis));
    relay.onApplicationBootstrap();
  };

  async function newSale(stock: number, perUserLimit: number): Promise<string> {
    const saleId = randomUUID();
    // Armed first, as creating a sale does (inside its transaction): the recovery loop must
    // never see a sale's row before its state.
    const now = await inventory.now();
    await inventory.arm({
      saleId,
      stock,
      perUserLimit,
      startsAt: new Date(now - 60_000),
      endsAt: null,
    });
    await sql.query(
      `INSERT INTO sales (id, name, sku, price, stock, per_user_limit, starts_at)
       VALUES ($1, 'M1', 'MI1', 199900, $2, $3, $4)`,
      [saleId, stock, perUserLimit, new Date(now - 60_000)],
    );
    return saleId;
  }

  const buy = (saleId: string, buyerId: string, quantity = 1, idempotencyKey?: string) =>
    inventory.purchase({
      saleId,
      buyerId,
      quantity,
      orderId: randomUUID(),
      idempotencyKey,
      paymentWindowMs: 600_000,
    });

  const drained = (saleId: string) =>
    until(async () => {
      const counters = await inventory.counters(saleId);
      const { rows } = await sql.query(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'pending_payment')::int AS pending
         FROM orders WHERE sale_id = $1`,
        [saleId],
      );
      const closed = await redis.hlen(keys.sale(saleId).closed);
      return (
        counters !== null && rows[0].n === counters.orders && rows[0].n - rows[0].pending === closed
      );
    });

  it('brings back a sale whose Redis state is gone, exactly as Postgres has it', async () => {
    await startRelay();
    const saleId = await newSale(40, 2);
    const accepted: { id: string; buyer: string; key?: string; quantity: number }[] = [];
    for (let i = 0; i < 30; i++) {
      const key = i % 3 === 0 ? `key-${i}` : undefined;
      const quantity = 1 + (i % 2);
      const r = await buy(saleId, `b${i}`, quantity, key);
      if (r.kind === 'accepted') accepted.push({ id: r.orderId, buyer: `b${i}`, key, quantity });
    }
    for (const [n, order] of accepted.entries()) {
      if (n % 4 === 0) await inventory.closeOrder(saleId, order.id, 'paid');
      if (n % 4 === 1) await inventory.closeOrder(saleId, order.id, 'cancelled');
    }
    await drained(saleId);
    const before = await inventory.counters(saleId);
    const statusesBefore = await Promise.all(
      accepted.map((o) => inventory.findOrder(o.id, saleId)),
    );

    // Redis loses the sale.
    // One slot per sale, so one DEL takes them all, on a cluster too.
    await redis.del(...(await saleKeys(redis, keys, saleId)));
    const recovery = worker.get(SaleRecovery);
    const rebuilt = recovery.rebuilt.length;
    await until(() => Promise.resolve(recovery.rebuilt.length > rebuilt));
    const report = recovery.rebuilt[recovery.rebuilt.length - 1];
    expect(report).toMatchObject({ saleId, reason: 'missing', epoch: 1, redisSeq: null });

    expect(await inventory.counters(saleId)).toEqual(before);
    const statusesAfter = await Promise.all(accepted.map((o) => inventory.findOrder(o.id, saleId)));
    expect(statusesAfter.map((o) => o?.status)).toEqual(statusesBefore.map((o) => o?.status));
    expect(statusesAfter.map((o) => o?.expiresAt.getTime())).toEqual(
      statusesBefore.map((o) => o?.expiresAt.getTime()),
    );

    // A replayed key answers with its order; a buyer at the limit stays at it.
    const keyed = accepted.find(
      (o) => o.key && statusesBefore[accepted.indexOf(o)]?.status !== 'cancelled',
    )!;
    expect(await buy(saleId, keyed.buyer, keyed.quantity, keyed.key)).toMatchObject({
      kind: 'replayed',
      orderId: keyed.id,
    });
    const atLimit = accepted.find(
      (o, n) => o.quantity === 2 && statusesBefore[n]?.status !== 'cancelled',
    )!;
    expect((await buy(saleId, atLimit.buyer)).kind).toBe('limit_reached');

    // Transitions and purchases work again, and the outbox sequence continues past Postgres's.
    const pending = accepted.find((_, n) => statusesAfter[n]?.status === 'pending_payment')!;
    expect((await inventory.closeOrder(saleId, pending.id, 'cancelled')).status).toBe('cancelled');
    expect((await buy(saleId, 'newcomer')).kind).toBe('accepted');
    const seq = Number(await redis.hget(keys.sale(saleId).state, 'seq'));
    expect(seq).toBe(report.postgresSeq + 2);
    await drained(saleId);
    const after = (await inventory.counters(saleId))!;
    expect(after.remaining + after.held + after.paid).toBe(after.stock);
    const { rows } = await sql.query(
      `SELECT epoch, live_units, redis_seq::int AS seq FROM sales WHERE id = $1`,
      [saleId],
    );
    expect(rows[0]).toEqual({ epoch: 1, live_units: after.held + after.paid, seq });
    const recorded = await sql.query(
      `SELECT reason, orders FROM sale_rebuilds WHERE sale_id = $1`,
      [saleId],
    );
    expect(recorded.rows).toEqual([{ reason: 'missing', orders: accepted.length }]);
  });

  it('rebuilds a Redis that fell behind Postgres, and keeps the orders only its outbox held', async () => {
    await startRelay();
    const saleId = await newSale(20, 1);
    for (let i = 0; i < 8; i++) await buy(saleId, `early${i}`);
    await drained(saleId);
    // Orders the relay has not moved yet: only Redis has them.
    await stopRelay();
    const unrelayed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await buy(saleId, `late${i}`);
      if (r.kind === 'accepted') unrelayed.push(r.orderId);
    }
    // Redis rolls back: its sequence is now behind what Postgres persisted.
    await redis.hset(keys.sale(saleId).state, 'seq', '3');
    const recovery = worker.get(SaleRecovery);
    const rebuilt = recovery.rebuilt.length;
    await until(() => Promise.resolve(recovery.rebuilt.length > rebuilt));
    expect(recovery.rebuilt[recovery.rebuilt.length - 1]).toMatchObject({
      saleId,
      reason: 'regressed',
      redisSeq: 3,
      flushed: 4,
      orders: 12,
    });
    const { rows } = await sql.query(
      `SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[])`,
      [unrelayed],
    );
    expect(rows[0].n).toBe(4);
    expect(await inventory.counters(saleId)).toMatchObject({
      stock: 20,
      remaining: 8,
      held: 12,
      orders: 12,
    });
  });
});
