import { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { InventoryService, RELAY_GROUP, ReplicaAcks } from '@flash/inventory';
import { MetricsService } from '@flash/metrics';
import { OrdersQueue, OutboxRelay } from '@flash/orders';
import { AuditLoop, SaleAuditor } from '@flash/recovery';
import { RedisClient, RedisKeys } from '@flash/redis';
import { until } from '../support/client';
import { TestWorld } from '../support/test-env';
import { WorkerWorld, startWorkerWorld, stopWorkerWorld } from '../support/worker-world';

/** The live auditor: Redis against Postgres, the safe repair, and the rest reported. */
describe('the sale auditor', () => {
  let w: WorkerWorld;
  let world: TestWorld;
  let worker: INestApplicationContext;
  let queue: OrdersQueue;
  let relay: OutboxRelay;
  let sql: Client;
  let redis: RedisClient;
  let inventory: InventoryService;
  let keys: RedisKeys;

  beforeAll(async () => {
    w = await startWorkerWorld({
      AUDIT_INTERVAL_MS: '200',
      AUDIT_GRACE_MS: '0',
      REBUILD_AUTO: 'false',
    });
    ({ world, worker, queue, sql, redis, inventory, keys } = w);
    relay = new OutboxRelay(world.config, keys, queue, new ReplicaAcks(world.config, keys, redis));
  });

  afterAll(async () => {
    await relay?.onApplicationShutdown();
    await stopWorkerWorld(w);
  });

  it('finds nothing in a healthy sale, resends a lost entry, and reports what Redis lost', async () => {
    const saleId = randomUUID();
    const now = await inventory.now();
    await inventory.arm({
      saleId,
      stock: 20,
      perUserLimit: 1,
      startsAt: new Date(now - 1000),
      endsAt: null,
    });
    await sql.query(
      `INSERT INTO sales (id, name, sku, price, stock, per_user_limit, starts_at) VALUES ($1, 'M1', 'MI1', 199900, 20, 1, now())`,
      [saleId],
    );
    const buy = async (buyer: string) => {
      const r = await inventory.purchase({
        saleId,
        buyerId: buyer,
        quantity: 1,
        orderId: randomUUID(),
        paymentWindowMs: 600_000,
      });
      if (r.kind !== 'accepted') throw new Error(`refused: ${r.kind}`);
      return r.orderId;
    };
    const persisted = async (ids: string[]) =>
      Number(
        (await sql.query(`SELECT count(*) FROM orders WHERE id = ANY($1::uuid[])`, [ids])).rows[0]
          .count,
      );

    // The worker's own loop audits every 200 ms with no grace: paused while this test audits
    // by hand, or it may resend the lost entry first and leave nothing for the test to find.
    const loop = worker.get(AuditLoop);
    await loop.onApplicationShutdown();
    relay.onApplicationBootstrap();
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await buy(`b${i}`));
    await inventory.closeOrder(saleId, ids[0], 'paid');
    await until(async () => (await persisted(ids)) === 8);
    await until(async () => {
      const { rows } = await sql.query(`SELECT status FROM orders WHERE id = $1`, [ids[0]]);
      return rows[0].status === 'paid';
    });
    const auditor = worker.get(SaleAuditor);
    const clean = await auditor.audit(saleId);
    expect(clean).toMatchObject({
      redisOrders: 8,
      postgresOrders: 8,
      resent: 0,
      discrepancies: [],
    });

    // An accepted order whose outbox entry is lost before any relay read it.
    await relay.onApplicationShutdown();
    const lost = await buy('unlucky');
    const outbox = keys.sale(saleId).outbox;
    await redis.del(outbox);
    await redis.xgroup('CREATE', outbox, RELAY_GROUP, '$', 'MKSTREAM');
    const found = await auditor.audit(saleId);
    expect(found?.counts.lost).toBe(1);
    expect(found?.discrepancies).toContainEqual({
      kind: 'lost',
      orderId: lost,
      detail: 'not in Postgres',
    });
    expect(found?.resent).toBe(1);
    await until(async () => (await persisted([lost])) === 1);

    // An order only Postgres has: Redis lost it. Reported, never "repaired" from Redis.
    const orphan = randomUUID();
    await sql.query(
      `INSERT INTO orders (id, sale_id, buyer_id, quantity, unit_price, status, created_at) VALUES ($1, $2, 'ghost', 1, 199900, 'paid', now())`,
      [orphan, saleId],
    );
    const reported = await auditor.audit(saleId);
    expect(reported?.counts).toMatchObject({ orphan: 1, lost: 0, units: 1 });

    // The worker's own loop publishes it.
    loop.onApplicationBootstrap();
    await until(() => Promise.resolve(loop.latest.get(saleId)?.counts.orphan === 1));
    const metrics = await worker.get(MetricsService).registry.metrics();
    expect(metrics).toContain(`flash_audit_discrepancies{sale="${saleId}",kind="orphan"} 1`);
  });

  // Found by a 150,000-unit race over 3 shards: joining the shards' orders overflowed the stack.
  it('reads a sharded sale whose shard holds more orders than a call takes arguments', async () => {
    const saleId = randomUUID();
    const now = await inventory.now();
    await inventory.arm({
      saleId,
      stock: 300_000,
      shards: 3,
      perUserLimit: 1,
      startsAt: new Date(now - 1000),
      endsAt: null,
    });
    // Audited here only: the worker's loop would resend these made-up orders.
    await redis.srem(keys.activeSales, saleId);
    const holds = keys.sale(saleId, 1).holds;
    const count = 150_000;
    for (let i = 0; i < count; i += 10_000) {
      const fields: Record<string, string> = {};
      for (let j = i; j < i + 10_000; j++)
        fields[`00000000-0000-7000-8000-${String(j).padStart(12, '0')}`] =
          `b${j}|1|${now}|${now + 600_000}|`;
      await redis.hset(holds, fields);
    }
    const report = await worker.get(SaleAuditor).audit(saleId, false);
    expect(report?.redisOrders).toBe(count);
    expect(report?.counts.lost).toBe(count);
    await redis.del(holds);
  });
});
