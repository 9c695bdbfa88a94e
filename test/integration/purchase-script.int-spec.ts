import { randomUUID } from 'node:crypto';
import { PurchaseResult } from '@flash/inventory';
import { inventoryHarness } from '../support/inventory-harness';

/** purchase.lua and arm-sale.lua against the real Redis, under real concurrency. */
describe('purchase.lua', () => {
  const { keys, services, inventory, redis } = inventoryHarness(8);

  async function armed(stock: number, perUserLimit: number, startsInMs = -1000, endsInMs?: number) {
    const saleId = randomUUID();
    const now = await inventory.now();
    const code = await inventory.arm({
      saleId,
      stock,
      perUserLimit,
      startsAt: new Date(now + startsInMs),
      endsAt: endsInMs === undefined ? null : new Date(now + endsInMs),
    });
    expect(code).toBe('armed');
    return saleId;
  }

  const buy = (saleId: string, buyerId: string, quantity = 1, idempotencyKey?: string) =>
    inventory.purchase({
      saleId,
      buyerId,
      quantity,
      orderId: randomUUID(),
      idempotencyKey,
      paymentWindowMs: 60_000,
    });

  it('holds every invariant under 5,000 concurrent attempts by 2,000 buyers for 1,000 units', async () => {
    const stock = 1000;
    const limit = 2;
    const saleId = await armed(stock, limit);
    type Attempt = { buyerId: string; quantity: number; key?: string };
    const attempts: Attempt[] = [];
    for (let i = 0; i < 5000; i++) {
      const buyerId = `buyer-${i % 2000}`;
      const quantity = 1 + (i % 3 === 0 ? 1 : 0);
      const key = i % 4 === 0 ? `key-${i}` : undefined;
      attempts.push({ buyerId, quantity, key });
      // A quarter of the keyed attempts are sent twice at once, as a retrying client would.
      if (key && i % 8 === 0) attempts.push({ buyerId, quantity, key });
    }
    const results: PurchaseResult[] = await Promise.all(
      attempts.map((a, i) =>
        services[i % services.length].purchase({
          saleId,
          buyerId: a.buyerId,
          quantity: a.quantity,
          orderId: randomUUID(),
          idempotencyKey: a.key,
          paymentWindowMs: 60_000,
        }),
      ),
    );

    const orders = new Map<string, { buyerId: string; quantity: number }>();
    const orderByKey = new Map<string, string>();
    results.forEach((r, i) => {
      const a = attempts[i];
      if (r.kind !== 'accepted' && r.kind !== 'replayed') {
        expect(['sold_out', 'limit_reached']).toContain(r.kind);
        return;
      }
      if (r.kind === 'accepted') {
        expect(orders.has(r.orderId)).toBe(false);
        orders.set(r.orderId, { buyerId: a.buyerId, quantity: r.quantity });
      }
      if (a.key) {
        const seen = orderByKey.get(`${a.buyerId} ${a.key}`);
        if (seen) expect(r.orderId).toBe(seen); // invariant 5: a replay returns the same order
        orderByKey.set(`${a.buyerId} ${a.key}`, r.orderId);
      }
    });
    const replays = results.filter((r) => r.kind === 'replayed');
    expect(replays.length).toBeGreaterThan(0);
    for (const r of replays) expect(orders.has((r as { orderId: string }).orderId)).toBe(true);

    const unitsSold = [...orders.values()].reduce((n, o) => n + o.quantity, 0);
    const counters = await inventory.counters(saleId);
    // 1. no oversell, and demand (up to 4,000 units) sold it out exactly.
    expect(unitsSold).toBe(stock);
    // 2. conservation.
    expect(counters).toEqual({ stock, remaining: 0, held: stock, paid: 0, orders: orders.size });
    // 3. nobody over the limit, and the script's own count agrees.
    const perBuyer = new Map<string, number>();
    for (const o of orders.values())
      perBuyer.set(o.buyerId, (perBuyer.get(o.buyerId) ?? 0) + o.quantity);
    expect(Math.max(...perBuyer.values())).toBeLessThanOrEqual(limit);
    const counted = await redis.hgetall(keys.sale(saleId).buyers);
    expect(Object.fromEntries([...perBuyer].map(([b, n]) => [b, String(n)]))).toEqual(counted);
    // Every accepted order has exactly one hold and one outbox entry.
    const holds = await inventory.holds(saleId);
    expect(holds).toHaveLength(orders.size);
    for (const h of holds)
      expect(orders.get(h.orderId)).toEqual({ buyerId: h.buyerId, quantity: h.quantity });
    expect(await redis.xlen(keys.sale(saleId).outbox)).toBe(orders.size);
  });

  it('answers sold out when the stock cannot cover the quantity, without touching it', async () => {
    const saleId = await armed(3, 5);
    expect((await buy(saleId, 'a', 2)).kind).toBe('accepted');
    expect(await buy(saleId, 'b', 2)).toEqual({ kind: 'sold_out', remaining: 1 });
    expect((await buy(saleId, 'b', 1)).kind).toBe('accepted');
    expect(await buy(saleId, 'c', 1)).toEqual({ kind: 'sold_out', remaining: 0 });
    expect((await inventory.counters(saleId))?.remaining).toBe(0);
  });

  it('enforces the per-user limit across attempts', async () => {
    const saleId = await armed(100, 2);
    expect((await buy(saleId, 'a', 3)).kind).toBe('limit_reached');
    expect((await buy(saleId, 'a', 1)).kind).toBe('accepted');
    expect((await buy(saleId, 'a', 2)).kind).toBe('limit_reached');
    expect((await buy(saleId, 'a', 1)).kind).toBe('accepted');
    expect((await buy(saleId, 'a', 1)).kind).toBe('limit_reached');
    expect((await inventory.counters(saleId))?.remaining).toBe(98);
  });

  describe('the cancel budget', () => {
    const buyWithBudget = (saleId: string, buyerId: string, cancelBudget: number, key?: string) =>
      inventory.purchase({
        saleId,
        buyerId,
        quantity: 1,
        orderId: randomUUID(),
        idempotencyKey: key,
        paymentWindowMs: 60_000,
        cancelBudget,
      });
    const cancel = (saleId: string, orderId: string, byBuyer: boolean) =>
      inventory.closeOrder(saleId, orderId, 'cancelled', { byBuyer });

    it("refuses a buyer's purchases in a sale once they cancelled its budget of orders there", async () => {
      const saleId = await armed(10, 1);
      const other = await armed(10, 1);
      for (let round = 0; round < 2; round++) {
        const bought = await buyWithBudget(saleId, 'hoarder', 2);
        expect(bought.kind).toBe('accepted');
        if (bought.kind !== 'accepted') return;
        expect((await cancel(saleId, bought.orderId, true)).kind).toBe('closed');
      }
      expect(await buyWithBudget(saleId, 'hoarder', 2)).toEqual({
        kind: 'cancels_spent',
        remaining: 10,
      });
      // Nothing changed: the units are all back, and the budget is the sale's alone.
      expect((await inventory.counters(saleId))?.remaining).toBe(10);
      expect((await buyWithBudget(other, 'hoarder', 2)).kind).toBe('accepted');
      expect((await buyWithBudget(saleId, 'someone-else', 2)).kind).toBe('accepted');
      // A budget of 0 is no budget at all.
      expect((await buyWithBudget(saleId, 'hoarder', 0)).kind).toBe('accepted');
    });

    it('spends nothing on closings the buyer did not ask for: expiry, withdrawal, an operator', async () => {
      const saleId = await armed(10, 1);
      for (let round = 0; round < 3; round++) {
        const bought = await buyWithBudget(saleId, 'unlucky', 1);
        expect(bought.kind).toBe('accepted');
        if (bought.kind !== 'accepted') return;
        expect((await cancel(saleId, bought.orderId, false)).kind).toBe('closed');
      }
      expect((await buyWithBudget(saleId, 'unlucky', 1)).kind).toBe('accepted');
    });
  });

  it('replays a key with the first answer, even after the sale sold out', async () => {
    const saleId = await armed(1, 1);
    const first = await buy(saleId, 'a', 1, 'click-1');
    expect(first.kind).toBe('accepted');
    expect((await buy(saleId, 'b', 1)).kind).toBe('sold_out');
    const again = await buy(saleId, 'a', 1, 'click-1');
    expect(again).toMatchObject({ kind: 'replayed', quantity: 1 });
    expect((again as { orderId: string }).orderId).toBe((first as { orderId: string }).orderId);
    // The same key from another buyer is that buyer's own key.
    expect((await buy(saleId, 'b', 1, 'click-1')).kind).toBe('sold_out');
    expect((await inventory.counters(saleId))?.orders).toBe(1);
  });

  it('checks the window against the Redis clock', async () => {
    const upcoming = await armed(10, 1, 400);
    expect((await buy(upcoming, 'a')).kind).toBe('not_started');
    await new Promise((r) => setTimeout(r, 500));
    expect((await buy(upcoming, 'a')).kind).toBe('accepted');
    const over = await armed(10, 1, -2000, -1000);
    expect((await buy(over, 'a')).kind).toBe('ended');
    expect((await inventory.counters(over))?.remaining).toBe(10);
  });

  it('fails closed when the sale is not armed, and writes nothing', async () => {
    const saleId = randomUUID();
    expect(await buy(saleId, 'a', 1, 'k')).toEqual({
      kind: 'state_missing',
      remaining: -1,
    });
    const armedSale = await armed(5, 1);
    // Redis lost the state hash (restart without persistence): no sale from a missing key.
    await redis.del(keys.sale(armedSale).state);
    expect((await buy(armedSale, 'b')).kind).toBe('state_missing');
    expect(
      await redis.exists(
        keys.sale(saleId).state,
        keys.sale(saleId).buyers,
        keys.sale(saleId).holds,
      ),
    ).toBe(0);
    expect(await redis.exists(keys.sale(armedSale).state)).toBe(0);
  });

  it('arms once: re-arming never resets sold stock', async () => {
    const saleId = await armed(5, 5);
    await buy(saleId, 'a', 3);
    const now = await inventory.now();
    const again = await inventory.arm({
      saleId,
      stock: 5,
      perUserLimit: 5,
      startsAt: new Date(now),
      endsAt: null,
    });
    expect(again).toBe('already_armed');
    expect((await inventory.counters(saleId))?.remaining).toBe(2);
  });

  describe('the per-buyer attempt limit', () => {
    const attempt = (saleId: string, buyerId: string, windowMs = 60_000, limit = 5) =>
      inventory.purchase({
        saleId,
        buyerId,
        quantity: 1,
        orderId: randomUUID(),
        paymentWindowMs: 60_000,
        rateLimit: { windowMs, limit },
      });

    it('lets `limit` attempts of one buyer through per window, even when they race, and refuses the rest without deciding anything', async () => {
      const saleId = await armed(100, 1);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          services[i % services.length].purchase({
            saleId,
            buyerId: 'flooder',
            quantity: 1,
            orderId: randomUUID(),
            paymentWindowMs: 60_000,
            rateLimit: { windowMs: 60_000, limit: 5 },
          }),
        ),
      );
      const limited = results.filter((r) => r.kind === 'rate_limited');
      expect(limited).toHaveLength(35);
      for (const r of limited) {
        const retry = (r as { retryAfterMs: number }).retryAfterMs;
        expect(retry).toBeGreaterThan(0);
        expect(retry).toBeLessThanOrEqual(60_000);
      }
      expect(results.filter((r) => r.kind === 'accepted')).toHaveLength(1);
      expect(results.filter((r) => r.kind === 'limit_reached')).toHaveLength(4);
      expect(await inventory.counters(saleId)).toMatchObject({ remaining: 99, orders: 1 });
      const ttl = await redis.pttl(keys.attempts(saleId, 'flooder'));
      expect(ttl).toBeGreaterThan(0);
    });

    it('counts per buyer per sale: other buyers, and the same buyer in another sale, are not limited', async () => {
      const saleId = await armed(100, 1);
      const other = await armed(100, 1);
      for (let i = 0; i < 6; i++) await attempt(saleId, 'busy');
      expect((await attempt(saleId, 'busy')).kind).toBe('rate_limited');
      expect((await attempt(saleId, 'calm')).kind).toBe('accepted');
      expect((await attempt(other, 'busy')).kind).toBe('accepted');
    });

    it('counts replays too, and lets the buyer back in once the block has passed', async () => {
      const saleId = await armed(100, 1);
      const replay = () =>
        inventory.purchase({
          saleId,
          buyerId: 'retrier',
          quantity: 1,
          orderId: randomUUID(),
          idempotencyKey: 'same',
          paymentWindowMs: 60_000,
          rateLimit: { windowMs: 300, limit: 2 },
        });
      expect((await replay()).kind).toBe('accepted');
      expect((await replay()).kind).toBe('replayed');
      expect((await replay()).kind).toBe('rate_limited');
      // The block lasts one window from the first attempt over; the counter then expires.
      while ((await redis.exists(keys.attempts(saleId, 'retrier'))) === 1) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await replay()).kind).toBe('replayed');
    });

    it('is off with a limit of 0, and an unknown sale writes no counter', async () => {
      const saleId = await armed(100, 1);
      for (let i = 0; i < 10; i++) await attempt(saleId, 'free', 60_000, 0);
      expect(await redis.exists(keys.attempts(saleId, 'free'))).toBe(0);
      const unknown = randomUUID();
      expect((await attempt(unknown, 'x')).kind).toBe('state_missing');
      expect(await redis.exists(keys.attempts(unknown, 'x'))).toBe(0);
    });
  });

  it('keeps all of a sale in one Redis Cluster slot', () => {
    const saleId = randomUUID();
    const k = keys.sale(saleId);
    const all = [
      ...Object.values(k),
      keys.attempts(saleId, 'b1'),
      keys.registrationBucket(saleId, 3),
    ];
    const tags = all.map((key) => /\{[^}]+\}/.exec(key)?.[0]);
    expect(new Set(tags).size).toBe(1);
    expect(tags[0]).toMatch(/^\{sale:[0-9a-f-]{36}\}$/);
  });
});
