import { randomUUID } from 'node:crypto';
import { ClosedStatus } from '@flash/inventory';
import { OrderExpiryService } from '@flash/orders';
import { inventoryHarness } from '../support/inventory-harness';
import { worldRedis } from '../support/test-env';

/** close-order.lua against the real Redis: the order state machine, and races on it. */
describe('close-order.lua', () => {
  const { world, keys, services, inventory, redis } = inventoryHarness(6);

  async function sale(stock: number, perUserLimit = 1): Promise<string> {
    const saleId = randomUUID();
    const now = await inventory.now();
    await inventory.arm({
      saleId,
      stock,
      perUserLimit,
      startsAt: new Date(now - 1000),
      endsAt: null,
    });
    return saleId;
  }

  async function buy(
    saleId: string,
    buyerId: string,
    quantity: number,
    windowMs: number,
  ): Promise<string> {
    const r = await inventory.purchase({
      saleId,
      buyerId,
      quantity,
      orderId: randomUUID(),
      paymentWindowMs: windowMs,
    });
    if (r.kind !== 'accepted') throw new Error(`purchase refused: ${r.kind}`);
    return r.orderId;
  }

  const statusEntries = async (saleId: string) =>
    ((await redis.xrange(keys.sale(saleId).outbox, '-', '+')) as [string, string[]][])
      .map(([, f]) => ({ order: f[f.indexOf('order') + 1], status: f[f.indexOf('status') + 1] }))
      .filter((e) => e.status !== 'pending_payment');

  describe('transitions', () => {
    it('pending → paid moves units from held to paid, once', async () => {
      const saleId = await sale(5, 5);
      const id = await buy(saleId, 'a', 2, 60_000);
      expect(await inventory.closeOrder(saleId, id, 'paid')).toEqual({
        kind: 'closed',
        status: 'paid',
        quantity: 2,
        buyerId: 'a',
      });
      expect(await inventory.closeOrder(saleId, id, 'paid')).toMatchObject({
        kind: 'already',
        status: 'paid',
      });
      expect(await inventory.closeOrder(saleId, id, 'cancelled')).toMatchObject({
        kind: 'conflict',
        status: 'paid',
      });
      expect(await inventory.counters(saleId)).toMatchObject({ remaining: 3, held: 0, paid: 2 });
      expect(await redis.hget(keys.sale(saleId).buyers, 'a')).toBe('2');
    });

    it('pending → cancelled returns units and the allowance, once', async () => {
      const saleId = await sale(1, 1);
      const id = await buy(saleId, 'a', 1, 60_000);
      expect((await inventory.closeOrder(saleId, id, 'cancelled')).kind).toBe('closed');
      expect((await inventory.closeOrder(saleId, id, 'cancelled')).kind).toBe('already');
      expect(await inventory.closeOrder(saleId, id, 'paid')).toMatchObject({
        kind: 'conflict',
        status: 'cancelled',
      });
      expect(await inventory.counters(saleId)).toMatchObject({ remaining: 1, held: 0, paid: 0 });
      // The buyer may buy again: the per-user count went back.
      await buy(saleId, 'a', 1, 60_000);
    });

    it('expired only after the deadline, on the Redis clock', async () => {
      const saleId = await sale(3);
      const id = await buy(saleId, 'a', 1, 300);
      expect((await inventory.closeOrder(saleId, id, 'expired')).kind).toBe('not_due');
      expect(await inventory.dueOrders(saleId, 10)).toEqual([]);
      await new Promise((r) => setTimeout(r, 350));
      expect(await inventory.dueOrders(saleId, 10)).toEqual([id]);
      expect((await inventory.closeOrder(saleId, id, 'expired')).kind).toBe('closed');
      expect(await inventory.dueOrders(saleId, 10)).toEqual([]);
      expect(await inventory.counters(saleId)).toMatchObject({ remaining: 3, held: 0 });
    });

    it('paying after the deadline expires the order instead', async () => {
      const saleId = await sale(3);
      const id = await buy(saleId, 'a', 1, 100);
      await new Promise((r) => setTimeout(r, 150));
      expect(await inventory.closeOrder(saleId, id, 'paid')).toMatchObject({
        kind: 'lapsed',
        status: 'expired',
      });
      expect(await inventory.counters(saleId)).toMatchObject({ remaining: 3, held: 0, paid: 0 });
    });

    it('rejected (by Postgres) gives back the allowance but never returns units to sale', async () => {
      const saleId = await sale(5, 2);
      const pending = await buy(saleId, 'a', 2, 60_000);
      const paid = await buy(saleId, 'b', 1, 60_000);
      const cancelled = await buy(saleId, 'c', 1, 60_000);
      await inventory.closeOrder(saleId, paid, 'paid');
      await inventory.closeOrder(saleId, cancelled, 'cancelled');
      expect(await inventory.closeOrder(saleId, pending, 'rejected')).toMatchObject({
        kind: 'closed',
        status: 'rejected',
      });
      // Over a payment too (the worker refunds it); never over a cancellation.
      expect(await inventory.closeOrder(saleId, paid, 'rejected')).toMatchObject({
        kind: 'closed',
        status: 'rejected',
      });
      expect(await inventory.closeOrder(saleId, cancelled, 'rejected')).toMatchObject({
        kind: 'conflict',
        status: 'cancelled',
      });
      expect(await inventory.closeOrder(saleId, pending, 'rejected')).toMatchObject({
        kind: 'already',
      });
      expect(await inventory.closeOrder(saleId, pending, 'paid')).toMatchObject({
        kind: 'conflict',
        status: 'rejected',
      });
      expect(await inventory.counters(saleId)).toMatchObject({
        stock: 5,
        remaining: 2,
        held: 0,
        paid: 0,
      });
      expect(await redis.hget(keys.sale(saleId).state, 'rejected')).toBe('3');
      expect(await redis.hmget(keys.sale(saleId).buyers, 'a', 'b')).toEqual(['0', '0']);
      expect((await statusEntries(saleId)).filter((e) => e.status === 'rejected')).toHaveLength(2);
    });

    it('answers UNKNOWN for an order it does not hold', async () => {
      const saleId = await sale(3);
      expect((await inventory.closeOrder(saleId, randomUUID(), 'cancelled')).kind).toBe('unknown');
    });

    it('announces the end of a sell-out, so the sale sells again', async () => {
      const saleId = await sale(1);
      const subscriber = worldRedis(world, 'test-events', { shardedSubscriber: true });
      const messages: string[] = [];
      subscriber.on('smessage', (_c: string, m: string) => messages.push(m));
      await subscriber.ssubscribe(keys.sale(saleId).events);
      const id = await buy(saleId, 'a', 1, 60_000);
      await inventory.closeOrder(saleId, id, 'cancelled');
      await buy(saleId, 'b', 1, 60_000);
      await new Promise((r) => setTimeout(r, 50));
      await subscriber.quit();
      // The closing is announced too, for the pages following the order.
      expect(messages).toEqual([
        `sold_out:${saleId}`,
        `available:${saleId}`,
        `order:${saleId}:${id}:cancelled`,
        `sold_out:${saleId}`,
      ]);
    });
  });

  it('the sweep alone expires every due order of every active sale, once', async () => {
    const expiry = new OrderExpiryService(inventory);
    const [a, b] = [await sale(10, 5), await sale(10, 5)];
    const due = [await buy(a, 'x', 2, 1), await buy(b, 'y', 3, 1)];
    const notDue = await buy(a, 'z', 1, 60_000);
    await new Promise((r) => setTimeout(r, 20));
    // No delayed job ran (none was ever scheduled here): the sweep finds them itself.
    expect(await expiry.sweep()).toBeGreaterThanOrEqual(2);
    expect(await expiry.sweep()).toBe(0);
    expect((await inventory.findOrder(due[0], a))?.status).toBe('expired');
    expect((await inventory.findOrder(due[1], b))?.status).toBe('expired');
    expect((await inventory.findOrder(notDue, a))?.status).toBe('pending_payment');
    expect(await inventory.counters(a)).toMatchObject({ remaining: 9, held: 1 });
    expect(await inventory.counters(b)).toMatchObject({ remaining: 10, held: 0 });
  });

  it('lets exactly one of pay, cancel and expire win each of 1,200 races, moving stock once', async () => {
    const races = 1200;
    const stock = 1800; // quantities alternate 1 and 2
    const saleId = await sale(stock, 3);
    // Half the orders are already due (expiry can win), half are not (expire answers NOT_DUE).
    const orders: { id: string; quantity: number }[] = [];
    for (let i = 0; i < races; i++) {
      const quantity = 1 + (i % 2);
      const due = i % 2 === 0;
      orders.push({ id: await buy(saleId, `b${i}`, quantity, due ? 1 : 60_000), quantity });
    }
    await new Promise((r) => setTimeout(r, 20));
    const before = await inventory.counters(saleId);

    const wanted: ClosedStatus[] = ['paid', 'cancelled', 'expired'];
    const outcomes = await Promise.all(
      orders.map((o, i) =>
        Promise.all(
          wanted.map((w, j) => services[(i + j) % services.length].closeOrder(saleId, o.id, w)),
        ),
      ),
    );

    let paidUnits = 0;
    let returnedUnits = 0;
    outcomes.forEach((results, i) => {
      const winners = results.filter((r) => r.kind === 'closed' || r.kind === 'lapsed');
      expect(winners).toHaveLength(1);
      const final = winners[0].status;
      for (const r of results) {
        if (r === winners[0]) continue;
        expect(['already', 'conflict', 'not_due']).toContain(r.kind);
        if (r.kind !== 'not_due') expect(r.status).toBe(final);
      }
      if (final === 'paid') paidUnits += orders[i].quantity;
      else returnedUnits += orders[i].quantity;
    });

    const after = await inventory.counters(saleId);
    expect(before).not.toBeNull();
    expect(after).toEqual({
      stock,
      remaining: before!.remaining + returnedUnits,
      held: 0,
      paid: paidUnits,
      orders: orders.length,
    });
    expect(after!.remaining + after!.held + after!.paid).toBe(stock);
    // One status entry per order in the outbox: Postgres will learn each outcome once.
    const entries = await statusEntries(saleId);
    expect(entries).toHaveLength(orders.length);
    expect(new Set(entries.map((e) => e.order)).size).toBe(orders.length);
    expect(await redis.hlen(keys.sale(saleId).closed)).toBe(orders.length);
    expect(await redis.zcard(keys.sale(saleId).expiries)).toBe(0);
    // Every buyer's allowance reflects only what they still hold or paid for.
    const buyers = await redis.hgetall(keys.sale(saleId).buyers);
    const closed = await redis.hgetall(keys.sale(saleId).closed);
    orders.forEach((o, i) => {
      expect(Number(buyers[`b${i}`])).toBe(closed[o.id] === 'paid' ? o.quantity : 0);
    });
  });
});
