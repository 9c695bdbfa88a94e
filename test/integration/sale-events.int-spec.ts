import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { SoldOutRegistry } from '@flash/inventory';
import { inventoryHarness } from '../support/inventory-harness';
import { eventually, until } from '../support/client';

/** A registry that lets go of sales sooner, to see it do so. */
class SmallRegistry extends SoldOutRegistry {
  protected override readonly maxFollowed = 2;
}

/**
 * The sale events on each sale's shard channel, heard by the registry every API instance
 * keeps: on the single server and, in the cluster project, from every primary.
 */
describe('sale events on shard channels', () => {
  const { world, keys, inventory, redis } = inventoryHarness(1);
  const registries: SoldOutRegistry[] = [];

  afterAll(async () => {
    await Promise.all(registries.map((r) => r.onApplicationShutdown()));
  });

  function registry(kind: typeof SoldOutRegistry = SoldOutRegistry): SoldOutRegistry {
    const r = new kind(world.config, keys);
    registries.push(r);
    return r;
  }

  async function sale(stock: number): Promise<string> {
    const saleId = randomUUID();
    const now = await inventory.now();
    await inventory.arm({
      saleId,
      stock,
      perUserLimit: 1,
      startsAt: new Date(now - 1000),
      endsAt: null,
    });
    return saleId;
  }

  const buy = async (saleId: string, buyerId: string) => {
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

  it('remembers nothing about a sale it does not follow yet', async () => {
    const r = registry();
    const saleId = await sale(1);
    expect(r.generation(saleId)).toBeNull();
    r.markSoldOut(saleId, r.generation(saleId));
    expect(r.isSoldOut(saleId)).toBe(false);
    await r.follow(saleId);
    expect(r.generation(saleId)).toBe(0);
  });

  it('hears a sell-out and the units coming back, in the order the scripts ran', async () => {
    const r = registry();
    const saleId = await sale(1);
    await r.follow(saleId);
    const soldOut = () => r.isSoldOut(saleId);
    const heard = async (step: string, expected: boolean) =>
      expect({ step, soldOut: await eventually(soldOut, (v) => v === expected, 5_000) }).toEqual({
        step,
        soldOut: expected,
      });
    const order = await buy(saleId, 'a');
    await heard('the last unit bought', true);
    await inventory.closeOrder(saleId, order, 'cancelled');
    await heard('its order cancelled', false);
    await buy(saleId, 'b');
    await heard('the unit bought again', true);
  });

  it('ignores a sell-out in an answer that raced the units coming back', async () => {
    const r = registry();
    const saleId = await sale(1);
    await r.follow(saleId);
    const order = await buy(saleId, 'a');
    await until(() => Promise.resolve(r.isSoldOut(saleId)), 5_000);
    const before = r.generation(saleId); // read when a late purchase was sent
    await inventory.closeOrder(saleId, order, 'cancelled'); // while its answer is on its way
    await until(() => Promise.resolve(!r.isSoldOut(saleId)), 5_000);
    r.markSoldOut(saleId, before);
    expect(r.isSoldOut(saleId)).toBe(false);
    r.markSoldOut(saleId, r.generation(saleId));
    expect(r.isSoldOut(saleId)).toBe(true);
  });

  it('hears the sales it follows, from whichever node holds them, and no others', async () => {
    const r = registry();
    const sales = await Promise.all(Array.from({ length: 12 }, () => sale(1)));
    const [followed, ignored] = [sales.slice(0, 9), sales.slice(9)];
    await Promise.all(followed.map((s) => r.follow(s)));
    expect(r.followedSales).toBe(9);
    if (redis instanceof Cluster) {
      // On the cluster the followed sales live on more than one primary.
      const cluster = redis;
      const owners = await Promise.all(
        followed.map(async (s) => {
          const slot = Number(await cluster.cluster('KEYSLOT', keys.sale(s).events));
          return cluster.slots[slot][0];
        }),
      );
      expect(new Set(owners).size).toBeGreaterThan(1);
    }
    await Promise.all(sales.map((s) => buy(s, 'a')));
    await until(() => Promise.resolve(followed.every((s) => r.isSoldOut(s))), 5_000);
    // Their sell-outs were published too; the registry never subscribed to them.
    await new Promise((done) => setTimeout(done, 100));
    expect(ignored.filter((s) => r.isSoldOut(s))).toEqual([]);
  });

  it('lets go of the longest-followed sale past its limit, and forgets its sell-out', async () => {
    const r = registry(SmallRegistry);
    const [first, second, third] = await Promise.all([sale(1), sale(1), sale(1)]);
    await r.follow(first);
    await buy(first, 'a');
    await until(() => Promise.resolve(r.isSoldOut(first)), 5_000);
    await r.follow(second);
    await r.follow(third);
    expect(r.followedSales).toBe(2);
    expect(r.generation(first)).toBeNull();
    expect(r.isSoldOut(first)).toBe(false);
    expect(r.generation(third)).toBe(0);
  });
});
