import { codeShard, holdCodec, homeShard } from '@flash/inventory';
import { SaleSnapshot, SnapshotOrder, planRebuild, planShardedRebuild } from './rebuild-plan';

const NOW = Date.UTC(2012, 4, 18, 4, 0, 0);

function snapshot(orders: Partial<SnapshotOrder>[], sale: Partial<SaleSnapshot['sale']> = {}) {
  return {
    sale: {
      id: 'sale-1',
      stock: 10,
      perUserLimit: 2,
      startsAt: new Date(NOW - 60_000),
      endsAt: null,
      registration: null,
      priorityStartsAt: null,
      waitingRoom: null,
      redisSeq: 42,
      epoch: 0,
      shards: 1,
      ...sale,
    },
    orders: orders.map((o, i) => ({
      id: `order-${i}`,
      buyerId: `b${i}`,
      quantity: 1,
      status: 'pending_payment' as const,
      createdAt: new Date(NOW - 10_000),
      expiresAt: new Date(NOW + 60_000),
      fcodeHash: null,
      idempotencyKey: null,
      ...o,
    })),
    fcodes: [],
    registrations: [],
  } satisfies SaleSnapshot;
}

describe('planRebuild', () => {
  it('recomputes the counters from the orders, so conservation holds', () => {
    const plan = planRebuild(
      snapshot([
        { quantity: 2 },
        { status: 'paid', quantity: 2, buyerId: 'b0' },
        { status: 'cancelled', quantity: 1 },
        { status: 'expired', quantity: 2 },
        { status: 'rejected', quantity: 1 },
      ]),
      NOW,
      30_000,
    );
    expect(plan.counters).toEqual({
      remaining: 6,
      held: 2,
      paid: 2,
      orders: 5,
      seq: 42,
      epoch: 1,
    });
    expect(plan.buyers).toEqual([['b0', 4]]);
    expect(plan.expiries).toEqual([['order-0', NOW + 60_000]]);
    expect(plan.closed.map(([, s]) => s)).toEqual(['paid', 'cancelled', 'expired', 'rejected']);
    // Every order keeps its hold, so every status can be read and no transition is lost.
    expect(plan.holds).toHaveLength(5);
    expect(holdCodec.decode('sale-1', 'order-0', plan.holds[0][1])).toMatchObject({
      buyerId: 'b0',
      quantity: 2,
      expiresAt: new Date(NOW + 60_000),
    });
  });

  it('restores Idempotency-Keys, so a replay after the rebuild answers with its order', () => {
    const plan = planRebuild(snapshot([{ idempotencyKey: 'k-1', quantity: 2 }]), NOW, 30_000);
    expect(plan.idempotency).toEqual([['b0 k-1', 'order-0:2']]);
  });

  it('gives back F-codes of closed orders and keeps those of live ones spent', () => {
    const plan = planRebuild(
      {
        ...snapshot([{ fcodeHash: 'f1' }, { fcodeHash: 'f2', status: 'cancelled' }], {
          priorityStartsAt: new Date(NOW - 120_000),
        }),
        fcodes: ['f1', 'f2', 'f3'],
      },
      NOW,
      30_000,
    );
    expect(plan.fcodes).toEqual([
      ['f1', 'order-0'],
      ['f2', ''],
      ['f3', ''],
    ]);
    expect(plan.counters).toMatchObject({ fcodes: 3, fcodes_redeemed: 1 });
  });

  it('reopens a waiting room with a shuffled pre-queue, keeping bought admissions used', () => {
    const room = { admissionRate: 100, admissionTtlSeconds: 60, preQueue: true };
    const plan = planRebuild(
      snapshot([{ buyerId: 'bought' }, { buyerId: 'holder', fcodeHash: 'f' }], {
        waitingRoom: room,
      }),
      NOW,
      30_000,
    );
    expect(plan.arm.startsAt).toEqual(new Date(NOW + 30_000));
    expect(plan.admissionsUsed).toEqual(['bought']);
    // A sale that opens later anyway keeps its opening.
    const later = new Date(NOW + 3_600_000);
    expect(
      planRebuild(snapshot([], { waitingRoom: room, startsAt: later }), NOW, 30_000).arm.startsAt,
    ).toEqual(later);
    // A first-come line reopens with a pre-queue too, so everyone can join again in time;
    // one that keeps its opening keeps its kind.
    const fifo = { ...room, preQueue: false };
    expect(planRebuild(snapshot([], { waitingRoom: fifo }), NOW, 30_000).arm.waitingRoom).toEqual(
      room,
    );
    expect(
      planRebuild(snapshot([], { waitingRoom: fifo, startsAt: later }), NOW, 30_000).arm
        .waitingRoom,
    ).toEqual(fifo);
    // Without a waiting room, the opening never moves.
    expect(planRebuild(snapshot([]), NOW, 30_000).arm.startsAt).toEqual(new Date(NOW - 60_000));
  });

  it('puts registrations back in their buckets', () => {
    const registration = { opensAt: new Date(NOW - 100_000), closesAt: new Date(NOW - 70_000) };
    const plan = planRebuild(
      {
        ...snapshot([], { registration }),
        registrations: [{ buyerId: 'alice', registeredAt: new Date(NOW - 90_000) }],
      },
      NOW,
      30_000,
    );
    expect(plan.counters.registered).toBe(1);
    expect(plan.registrations).toEqual([
      expect.objectContaining({ registeredMs: NOW - 90_000, field: expect.any(Buffer) }),
    ]);
  });
});

describe('planShardedRebuild', () => {
  const orders = Array.from({ length: 12 }, (_, i) => ({
    buyerId: `fan-${i}`,
    status: (['pending_payment', 'paid', 'cancelled'] as const)[i % 3],
  }));
  const plans = planShardedRebuild(
    snapshot(orders, { stock: 30, shards: 3, redisSeq: 100 }),
    NOW,
    0,
  );

  it('puts each order in its buyer home shard, armed as that shard', () => {
    expect(plans.map((p) => [p.arm.shards, p.arm.shard])).toEqual([
      [3, 0],
      [3, 1],
      [3, 2],
    ]);
    plans.forEach((plan, shard) => {
      for (const [orderId] of plan.holds) {
        const buyer = `fan-${Number(orderId.slice('order-'.length))}`;
        expect(homeShard(buyer, 3)).toBe(shard);
      }
    });
    expect(plans.reduce((n, p) => n + p.holds.length, 0)).toBe(12);
  });

  it('keeps the sale whole: the shards stock adds up, the free units split evenly', () => {
    expect(plans.reduce((n, p) => n + p.arm.stock, 0)).toBe(30);
    for (const p of plans)
      expect(p.counters.remaining + p.counters.held + p.counters.paid).toBe(p.arm.stock);
    const remaining = plans.map((p) => p.counters.remaining);
    expect(Math.max(...remaining) - Math.min(...remaining)).toBeLessThanOrEqual(1);
    expect(remaining.reduce((a, b) => a + b, 0)).toBe(30 - 8);
  });

  it('numbers each shard above what Postgres persisted', () => {
    // Shard k hands out seq * 3 + k next: above 100 for every k.
    for (const [k, p] of plans.entries()) expect((p.counters.seq + 1) * 3 + k).toBeGreaterThan(100);
    expect(plans.reduce((n, p) => n + p.counters.orders, 0)).toBe(12);
  });

  it('puts each F-code in its own shard, spent by its live order, and the ledger in the home shard', () => {
    const codes = Array.from({ length: 9 }, (_, i) => `${i}`.repeat(64));
    const withCodes = snapshot(
      codes.slice(0, 6).map((fcodeHash, i) => ({
        buyerId: `fan-${i}`,
        fcodeHash,
        status: (['pending_payment', 'paid', 'expired'] as const)[i % 3],
      })),
      { stock: 30, shards: 3, priorityStartsAt: new Date(NOW - 1000) },
    );
    const sharded = planShardedRebuild({ ...withCodes, fcodes: codes }, NOW, 0);
    const placed = sharded.flatMap((p, shard) =>
      p.fcodes.map(([code, order]) => [code, order, shard] as const),
    );
    expect(placed.map(([code]) => code).sort()).toEqual(codes);
    for (const [code, order, shard] of placed) {
      expect(codeShard(code, 3)).toBe(shard);
      const i = codes.indexOf(code);
      // Live orders (pending, paid) keep their code spent; an expired order's is free again.
      expect(order).toBe(i < 6 && i % 3 !== 2 ? `order-${i}` : '');
    }
    const ledger = sharded.flatMap((p, shard) => p.fcodeLedger.map((e) => [...e, shard]));
    expect(ledger).toHaveLength(4);
    for (const [code, entry, shard] of ledger) {
      const i = codes.indexOf(code as string);
      expect(entry).toBe(`a|order-${i}|1`);
      expect(homeShard(`fan-${i}`, 3)).toBe(shard);
    }
    expect(sharded.reduce((n, p) => n + (p.counters.fcodes_redeemed ?? 0), 0)).toBe(4);
    expect(sharded.reduce((n, p) => n + (p.counters.fcodes ?? 0), 0)).toBe(9);
  });
});
