import { randomUUID } from 'node:crypto';
import { InventoryService, RELAY_GROUP, ReplicaAcks } from '@flash/inventory';
import { OrdersQueue, OutboxRelay, PersistOrdersJob } from '@flash/orders';
import { RedisKeys } from '@flash/redis';
import { eventually, until } from '../support/client';
import { destroyWorld, newWorld, worldRedis } from '../support/test-env';

/** The outbox written by purchase.lua reaches BullMQ, including entries a dead relay held. */
describe('outbox relay', () => {
  const world = newWorld({ RELAY_CLAIM_IDLE_MS: '300', RELAY_BATCH_SIZE: '100' });
  const keys = new RedisKeys(world.config.redisKeyPrefix);
  const redis = worldRedis(world);
  const inventory = new InventoryService(redis, keys);
  const queue = new OrdersQueue(world.config);
  let relay: OutboxRelay;

  afterAll(async () => {
    await relay?.onApplicationShutdown();
    await queue.onApplicationShutdown();
    await redis.quit();
    await destroyWorld(world);
  });

  async function queuedOrderIds(): Promise<Set<string>> {
    const jobs = await queue.queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    return new Set(
      jobs.flatMap((j) =>
        ('orders' in j.data ? (j.data as PersistOrdersJob).orders : []).map((o) => o.orderId),
      ),
    );
  }

  it('moves every accepted order to the queue, and claims what a dead relay left pending', async () => {
    const saleId = randomUUID();
    const now = await inventory.now();
    await inventory.arm({
      saleId,
      stock: 500,
      perUserLimit: 1,
      startsAt: new Date(now - 1000),
      endsAt: null,
    });
    const outbox = keys.sale(saleId).outbox;

    const accepted: string[] = [];
    for (let i = 0; i < 300; i++) {
      const r = await inventory.purchase({
        saleId,
        buyerId: `b${i}`,
        quantity: 1,
        orderId: randomUUID(),
        paymentWindowMs: 60_000,
      });
      if (r.kind === 'accepted') accepted.push(r.orderId);
    }
    // A relay that read 120 entries and died before acknowledging them.
    const stolen = (await redis.xreadgroup(
      'GROUP',
      RELAY_GROUP,
      'dead-relay',
      'COUNT',
      120,
      'STREAMS',
      outbox,
      '>',
    )) as [string, [string, string[]][]][];
    expect(stolen[0][1]).toHaveLength(120);

    relay = new OutboxRelay(world.config, keys, queue, new ReplicaAcks(world.config, keys, redis));
    relay.onApplicationBootstrap();
    await until(async () => (await queuedOrderIds()).size === accepted.length);
    expect([...(await queuedOrderIds())].sort()).toEqual([...accepted].sort());
    // Everything acknowledged and deleted: nothing left to relay twice.
    await until(async () => (await redis.xlen(outbox)) === 0);
    const pending = await redis.xpending(outbox, RELAY_GROUP);
    expect(pending[0]).toBe(0);

    // Orders keep flowing while the relay runs.
    const late = await inventory.purchase({
      saleId,
      buyerId: 'late',
      quantity: 1,
      orderId: randomUUID(),
      paymentWindowMs: 60_000,
    });
    expect(late.kind).toBe('accepted');
    await until(async () => (await queuedOrderIds()).has((late as { orderId: string }).orderId));
  });

  /**
   * The loss found by a fault run: a relay enqueued a batch and died before acknowledging it.
   * Its successor reclaimed that batch together with fresh entries; the old code named the
   * whole batch after its first entry, BullMQ ignored the add as a duplicate of the dead
   * relay's job, and the fresh orders were acknowledged without ever being enqueued.
   */
  it('never loses fresh entries relayed together with a batch a dead relay had already enqueued', async () => {
    await relay?.onApplicationShutdown();
    const saleId = randomUUID();
    const now = await inventory.now();
    await inventory.arm({
      saleId,
      stock: 100,
      perUserLimit: 1,
      startsAt: new Date(now - 1000),
      endsAt: null,
    });
    const outbox = keys.sale(saleId).outbox;
    const buy = async (buyerId: string) => {
      const r = await inventory.purchase({
        saleId,
        buyerId,
        quantity: 1,
        orderId: randomUUID(),
        paymentWindowMs: 60_000,
      });
      if (r.kind !== 'accepted') throw new Error(`purchase refused: ${r.kind}`);
      return r.orderId;
    };
    const accepted: string[] = [];
    for (let i = 0; i < 10; i++) accepted.push(await buy(`early${i}`));

    // The dead relay: it read the 10 entries and enqueued them, then died before XACK.
    const dead = new OutboxRelay(
      world.config,
      keys,
      queue,
      new ReplicaAcks(world.config, keys, redis),
    );
    await dead.relayBatch(saleId, await dead.readFresh(redis, outbox));
    const before = await redis.xpending(outbox, RELAY_GROUP);
    expect(before[0]).toBe(10);

    await new Promise((resolve) => setTimeout(resolve, 400)); // past RELAY_CLAIM_IDLE_MS
    for (let i = 0; i < 5; i++) accepted.push(await buy(`fresh${i}`));

    relay = new OutboxRelay(world.config, keys, queue, new ReplicaAcks(world.config, keys, redis));
    relay.onApplicationBootstrap();
    await until(async () => (await redis.xlen(outbox)) === 0);
    expect([...(await queuedOrderIds())].filter((id) => accepted.includes(id)).sort()).toEqual(
      [...accepted].sort(),
    );
  });

  /**
   * The loss found by a 150,000-unit race over 3 shards: each shard's outbox numbers its
   * entries by itself, so two shards wrote the same id in the same millisecond; their batches
   * got the same job id, and BullMQ took the second for a duplicate of the first.
   */
  it("relays every shard's outbox, even entries whose ids another shard also wrote", async () => {
    await relay?.onApplicationShutdown();
    const saleId = randomUUID();
    const now = await inventory.now();
    await inventory.arm({
      saleId,
      stock: 30,
      shards: 3,
      perUserLimit: 1,
      startsAt: new Date(now - 1000),
      endsAt: null,
    });
    const orders = [0, 1, 2].map(() => randomUUID());
    for (const [shard, orderId] of orders.entries()) {
      // As purchase.lua writes an acceptance, with the same entry id in every shard.
      await redis.xadd(
        keys.sale(saleId, shard).outbox,
        `${now}-0`,
        'order',
        orderId,
        'buyer',
        `b${shard}`,
        'quantity',
        1,
        'at',
        now,
        'expires',
        now + 60_000,
        'status',
        'pending_payment',
        'fcode',
        '',
        'seq',
        3 + shard,
        'idem',
        '',
      );
    }
    relay = new OutboxRelay(world.config, keys, queue, new ReplicaAcks(world.config, keys, redis));
    relay.onApplicationBootstrap();
    const queued = await eventually(queuedOrderIds, (q) => orders.every((id) => q.has(id)));
    expect({ notQueued: orders.filter((id) => !queued.has(id)) }).toEqual({ notQueued: [] });
  });
});
