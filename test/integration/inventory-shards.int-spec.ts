import { randomUUID } from 'node:crypto';
import {
  InventoryService,
  RESERVATION_GRACE_MS,
  ScriptGateway,
  codeShard,
  homeShard,
  splitStock,
} from '@flash/inventory';
import { generateFcode, hashFcode } from '@flash/fcodes';
import type { RedisClient } from '@flash/redis';
import { until } from '../support/client';
import { inventoryHarness } from '../support/inventory-harness';
import { worldRedis } from '../support/test-env';

/**
 * Hot-SKU shards against the real scripts: a sale's stock split over shards (each its own slot,
 * so on the cluster project they spread over the primaries), each buyer buying from a home
 * shard, dry shards refilled by journaled transfers, the sell-out announced once from shard 0.
 */
describe('inventory shards', () => {
  const { world, keys, services, inventory, redis } = inventoryHarness(3);
  const subscribers: RedisClient[] = [];

  afterAll(async () => {
    await Promise.all(subscribers.map((s) => s.quit()));
  });

  async function shardedSale(stock: number, shards: number, perUserLimit = 1): Promise<string> {
    const saleId = randomUUID();
    const now = await inventory.now();
    await inventory.arm({
      saleId,
      stock,
      shards,
      perUserLimit,
      startsAt: new Date(now - 1000),
      endsAt: null,
    });
    return saleId;
  }

  /** One buyer's attempt: a dry home shard is refilled from the others and tried again. */
  const buy = (service: InventoryService, saleId: string, buyerId: string) =>
    service.purchase({
      saleId,
      buyerId,
      quantity: 1,
      orderId: randomUUID(),
      paymentWindowMs: 60_000,
    });

  /** Counts the sale's events on shard 0's channel, which every API instance follows. */
  async function listen(saleId: string): Promise<string[]> {
    const subscriber = worldRedis(world, 'shard-events', { shardedSubscriber: true });
    subscribers.push(subscriber);
    const heard: string[] = [];
    subscriber.on('smessage', (_channel: string, message: string) => heard.push(message));
    await subscriber.ssubscribe(keys.sale(saleId).events);
    return heard;
  }

  async function conserved(saleId: string, stock: number) {
    const counters = await inventory.counters(saleId);
    expect(counters).not.toBeNull();
    expect(counters!.stock).toBe(stock);
    expect(counters!.remaining + counters!.held + counters!.paid).toBe(stock);
    return counters!;
  }

  it('splits the stock, and a buyer buys from the same home shard every time', async () => {
    const saleId = await shardedSale(10, 3);
    const stocks = await Promise.all(
      [0, 1, 2].map((k) => redis.hget(keys.sale(saleId, k).state, 'stock')),
    );
    expect(stocks.map(Number)).toEqual(splitStock(10, 3));
    expect(splitStock(10, 3)).toEqual([4, 3, 3]);
    const first = await buy(inventory, saleId, 'buyer-a');
    expect(first.kind).toBe('accepted');
    const home = homeShard('buyer-a', 3);
    expect(await redis.hget(keys.sale(saleId, home).buyers, 'buyer-a')).toBe('1');
    // The per-user limit holds across attempts: the same shard answers.
    expect((await buy(inventory, saleId, 'buyer-a')).kind).toBe('limit_reached');
  });

  it('a process that has not met the sale learns its shard count from the script', async () => {
    const saleId = await shardedSale(9, 3);
    const stranger = services[1];
    expect(stranger.shards.known(saleId)).toBe(1);
    const result = await stranger.purchase({
      saleId,
      buyerId: 'newcomer',
      quantity: 1,
      orderId: randomUUID(),
      paymentWindowMs: 60_000,
    });
    expect(result.kind).toBe('accepted');
    expect(stranger.shards.known(saleId)).toBe(3);
    await conserved(saleId, 9);
  });

  it('sells every unit across shards to racing buyers, none twice, and announces the sell-out once', async () => {
    const stock = 60;
    const saleId = await shardedSale(stock, 3);
    const heard = await listen(saleId);
    // A hot shard: most buyers have shard 0 as home, so it must be refilled from the others.
    const buyers: string[] = [];
    for (let i = 0, elsewhere = 0; buyers.length < 90; i++) {
      const buyer = `racer-${i}`;
      if (homeShard(buyer, 3) !== 0 && elsewhere++ >= 10) continue;
      buyers.push(buyer);
    }
    const results = await Promise.all(
      buyers.map((b, i) => buy(services[i % services.length], saleId, b)),
    );
    const accepted = results.filter((r) => r.kind === 'accepted');
    expect(accepted).toHaveLength(stock);
    expect(results.filter((r) => r.kind === 'sold_out')).toHaveLength(buyers.length - stock);
    const counters = await conserved(saleId, stock);
    expect(counters).toMatchObject({ remaining: 0, held: stock });
    expect(counters.shards?.transfers).toBeGreaterThan(0);
    expect(counters.shards?.inFlight).toBe(0);
    await until(() => Promise.resolve(heard.length > 0));
    expect(heard.filter((m) => m === `sold_out:${saleId}`)).toHaveLength(1);
    const holds = await inventory.holds(saleId);
    expect(new Set(holds.map((h) => h.buyerId)).size).toBe(stock);
  });

  it('a unit given back in any shard is announced, and the sale sells out again, announced again', async () => {
    const saleId = await shardedSale(3, 3);
    const heard = await listen(saleId);
    const orders: string[] = [];
    for (const b of ['u1', 'u2', 'u3', 'u4']) {
      const r = await buy(inventory, saleId, b);
      if (r.kind === 'accepted') orders.push(r.orderId);
    }
    expect(orders).toHaveLength(3);
    await until(() => Promise.resolve(heard.includes(`sold_out:${saleId}`)));
    const closed = await inventory.closeOrder(saleId, orders[1], 'cancelled');
    expect(closed.kind).toBe('closed');
    await until(() => Promise.resolve(heard.includes(`available:${saleId}`)));
    expect((await buy(inventory, saleId, 'u5')).kind).toBe('accepted');
    expect((await buy(inventory, saleId, 'u6')).kind).toBe('sold_out');
    await until(() =>
      Promise.resolve(heard.filter((m) => m === `sold_out:${saleId}`).length === 2),
    );
    // On shard 0's channel whatever the order's shard: the sell-outs, the units back, and the
    // closing for the pages following the order.
    expect(heard).toEqual([
      `sold_out:${saleId}`,
      `available:${saleId}`,
      `order:${saleId}:${orders[1]}:cancelled`,
      `sold_out:${saleId}`,
    ]);
    await conserved(saleId, 3);
  });

  it('a transfer replayed step by step moves its units once', async () => {
    const saleId = await shardedSale(20, 2);
    const scripts = inventory.shards;
    const moved = await scripts.transfer(saleId, 0, 1, 4);
    expect(moved).toBe(4);
    const [donor, recipient] = (await scripts.totals(saleId, 2)).shards;
    expect([donor.stock, recipient.stock]).toEqual([6, 14]);
    await conserved(saleId, 20);
  });

  it('a transfer abandoned after its first step is in flight, not lost, and finished by the sweep', async () => {
    const saleId = await shardedSale(20, 2);
    // Only the donor's step, as a process killed right after it would leave it.
    const transferId = randomUUID();
    const out = await new ScriptGateway(redis, keys).run('transferOut', {
      saleId,
      shard: 0,
      transferId,
      peer: 1,
      units: 5,
    });
    expect(out).toEqual({ kind: 'taken', units: 5 });
    let counters = await conserved(saleId, 20);
    expect(counters.shards?.inFlight).toBe(5);
    expect(counters.remaining).toBe(20);
    // A dry shard's refill finishes it first; so does the sweep.
    expect(await inventory.shards.finishPending(saleId)).toBe(1);
    expect(await inventory.shards.finishPending(saleId)).toBe(0);
    counters = await conserved(saleId, 20);
    expect(counters.shards?.inFlight).toBe(0);
    const [donor, recipient] = (await inventory.shards.totals(saleId, 2)).shards;
    expect([donor.stock, recipient.stock]).toEqual([5, 15]);
  });

  describe('F-codes across shards, each step interrupted where a dead process would leave it', () => {
    const SHARDS = 3;
    const scripts = new ScriptGateway(redis, keys);

    /** A sale in its F-code hours with one code, kept in the code's shard. */
    async function fcodeSale(): Promise<{ saleId: string; fcodeHash: string }> {
      const saleId = randomUUID();
      const now = await inventory.now();
      await inventory.arm({
        saleId,
        stock: 30,
        shards: SHARDS,
        perUserLimit: 1,
        startsAt: new Date(now + 60_000),
        priorityStartsAt: new Date(now - 1000),
        endsAt: null,
      });
      const fcodeHash = hashFcode(generateFcode());
      const shard = codeShard(fcodeHash, SHARDS);
      await scripts.run('addFcodes', { saleId, shard, hashes: [fcodeHash] });
      return { saleId, fcodeHash };
    }

    const buyWith = (saleId: string, buyerId: string, fcodeHash: string) =>
      inventory.purchase({
        saleId,
        buyerId,
        quantity: 1,
        orderId: randomUUID(),
        paymentWindowMs: 60_000,
        fcodeHash,
      });

    /** The first step alone: the code reserved for the buyer and an order id. */
    const reserve = (saleId: string, fcodeHash: string, buyerId: string, orderId: string) =>
      scripts.run('reserveFcode', {
        saleId,
        shard: codeShard(fcodeHash, SHARDS),
        fcodeHash,
        buyerId,
        orderId,
      });

    /** The second step alone: the purchase in the home shard with the reserved order id. */
    const homePurchase = (saleId: string, fcodeHash: string, buyerId: string, orderId: string) =>
      scripts.run('purchase', {
        saleId,
        buyerId,
        quantity: 1,
        orderId,
        paymentWindowMs: 60_000,
        fcodeHash,
        fcodeVerdict: 'reserved',
        shards: SHARDS,
        shard: homeShard(buyerId, SHARDS),
      });

    const codeEntry = (saleId: string, fcodeHash: string) =>
      redis.hget(keys.sale(saleId, codeShard(fcodeHash, SHARDS)).fcodes, fcodeHash);

    /** The sweep's pass, as if the grace period were over. */
    const sweep = async (saleId: string) =>
      inventory.gates.reconcile(saleId, SHARDS, (await inventory.now()) + RESERVATION_GRACE_MS + 1);

    const redeemed = async (saleId: string) =>
      (await inventory.mechanicsCounters(saleId)).fcodes?.redeemed;

    it("a reservation left after step 1 stays the buyer's: nobody else takes the code, their retry resumes it", async () => {
      const { saleId, fcodeHash } = await fcodeSale();
      const orderId = randomUUID();
      expect(await reserve(saleId, fcodeHash, 'fan', orderId)).toEqual({
        kind: 'reserved',
        orderId,
      });
      expect((await buyWith(saleId, 'rival', fcodeHash)).kind).toBe('fcode_invalid');
      expect(await buyWith(saleId, 'fan', fcodeHash)).toMatchObject({ kind: 'accepted', orderId });
      expect(await codeEntry(saleId, fcodeHash)).toBe(orderId);
      expect(await redeemed(saleId)).toBe(1);
    });

    it('an order taken in step 2 but never confirmed is confirmed by the sweep, once', async () => {
      const { saleId, fcodeHash } = await fcodeSale();
      const orderId = randomUUID();
      await reserve(saleId, fcodeHash, 'fan', orderId);
      expect((await homePurchase(saleId, fcodeHash, 'fan', orderId)).kind).toBe('accepted');
      expect(await redeemed(saleId)).toBe(0);
      expect(await sweep(saleId)).toBe(1);
      expect(await sweep(saleId)).toBe(0);
      expect(await codeEntry(saleId, fcodeHash)).toBe(orderId);
      expect(await redeemed(saleId)).toBe(1);
      // The code is spent: a retry by the buyer, or anyone else's attempt, is refused.
      expect((await buyWith(saleId, 'fan', fcodeHash)).kind).toBe('fcode_invalid');
      expect((await buyWith(saleId, 'rival', fcodeHash)).kind).toBe('fcode_invalid');
      expect((await inventory.holds(saleId)).filter((h) => h.fcodeHash === fcodeHash)).toHaveLength(
        1,
      );
    });

    it('a reservation never bought with is released by the sweep, fenced: its late purchase is refused', async () => {
      const { saleId, fcodeHash } = await fcodeSale();
      const orderId = randomUUID();
      await reserve(saleId, fcodeHash, 'fan', orderId);
      expect(await sweep(saleId)).toBe(1);
      expect(await codeEntry(saleId, fcodeHash)).toBe('');
      // The purchase the dead process had sent arrives after the release: it cannot take the code.
      expect((await homePurchase(saleId, fcodeHash, 'fan', orderId)).kind).toBe('fcode_invalid');
      expect((await buyWith(saleId, 'next', fcodeHash)).kind).toBe('accepted');
      expect((await inventory.holds(saleId)).filter((h) => h.fcodeHash === fcodeHash)).toHaveLength(
        1,
      );
      expect(await redeemed(saleId)).toBe(1);
    });

    it("a cancelled order's code that a dead process never freed is freed by the sweep", async () => {
      const { saleId, fcodeHash } = await fcodeSale();
      const bought = await buyWith(saleId, 'fan', fcodeHash);
      expect(bought.kind).toBe('accepted');
      const orderId = (bought as { orderId: string }).orderId;
      // close-order.lua alone: the free is journaled in the home shard, not yet made.
      const closed = await scripts.run('closeOrder', {
        saleId,
        shard: homeShard('fan', SHARDS),
        orderId,
        wanted: 'cancelled',
      });
      expect(closed).toMatchObject({ kind: 'closed', fcodeToFree: fcodeHash });
      expect((await buyWith(saleId, 'rival', fcodeHash)).kind).toBe('fcode_invalid');
      expect(await sweep(saleId)).toBe(1);
      expect(await sweep(saleId)).toBe(0);
      expect(await redeemed(saleId)).toBe(0);
      expect((await buyWith(saleId, 'rival', fcodeHash)).kind).toBe('accepted');
      await conserved(saleId, 30);
    });
  });
});
