import {
  ArmSaleInput,
  codeShard,
  holdCodec,
  homeShard,
  registrationSlot,
  splitStock,
} from '@flash/inventory';
import type { OrderStatus } from '@flash/orders/order-status';

/** What Postgres holds about one sale: everything its Redis state is rebuilt from. */
export interface SaleSnapshot {
  sale: {
    id: string;
    stock: number;
    perUserLimit: number;
    startsAt: Date;
    endsAt: Date | null;
    registration: { opensAt: Date; closesAt: Date } | null;
    priorityStartsAt: Date | null;
    waitingRoom: { admissionRate: number; admissionTtlSeconds: number; preQueue: boolean } | null;
    redisSeq: number;
    epoch: number;
    /** Inventory shards (1: unsharded). */
    shards: number;
  };
  orders: SnapshotOrder[];
  /** Hashes of every F-code issued for the sale. */
  fcodes: string[];
  registrations: { buyerId: string; registeredAt: Date }[];
}

export interface SnapshotOrder {
  id: string;
  buyerId: string;
  quantity: number;
  status: OrderStatus;
  createdAt: Date;
  expiresAt: Date | null;
  fcodeHash: string | null;
  idempotencyKey: string | null;
}

/** The Redis state to write, key by key, before the sale is armed again. */
export interface RebuildPlan {
  arm: ArmSaleInput;
  /** Counters written over the armed state in the same step. */
  counters: {
    remaining: number;
    held: number;
    paid: number;
    orders: number;
    seq: number;
    epoch: number;
    /** Appointments counted (sales that take them). */
    registered?: number;
    /** F-codes issued and redeemed (sales that have them). */
    fcodes?: number;
    fcodes_redeemed?: number;
  };
  buyers: [buyerId: string, units: number][];
  holds: [orderId: string, hold: string][];
  closed: [orderId: string, status: string][];
  expiries: [orderId: string, expiresMs: number][];
  idempotency: [field: string, value: string][];
  fcodes: [codeHash: string, orderId: string][];
  /** Sharded sales, in each home shard: the codes its live orders redeemed (see purchase.lua). */
  fcodeLedger: [codeHash: string, entry: string][];
  registrations: { bucket: number; field: Buffer; registeredMs: number }[];
  /** Waiting room: buyers whose admission has bought (an admission buys once). */
  admissionsUsed: string[];
}

const LIVE: ReadonlySet<OrderStatus> = new Set(['pending_payment', 'paid']);

/**
 * Turns what Postgres holds into a sale's Redis state. Postgres has every order the pipeline
 * delivered; each comes back with its hold, status, deadline, Idempotency-Key and F-code, and
 * the counters are recomputed from them, so conservation holds by construction.
 *
 * A waiting room cannot be restored (tickets live only in Redis), so it is reopened fairly:
 * the opening moves to `requeueMs` from now, everyone who (re)joins before it lands in the
 * pre-queue, and the pre-queue is shuffled at the new opening as it was at the first. Buyers
 * who already bought keep their orders and their used admission.
 */
export function planRebuild(snapshot: SaleSnapshot, nowMs: number, requeueMs: number): RebuildPlan {
  const { sale } = snapshot;
  const requeue = sale.waitingRoom !== null && sale.startsAt.getTime() < nowMs + requeueMs;
  const startsAt = requeue ? new Date(nowMs + requeueMs) : sale.startsAt;
  // Everyone must be able to join again before the new opening, even in a first-come line:
  // a requeue always has a pre-queue, shuffled at the new opening.
  const waitingRoom =
    sale.waitingRoom && requeue ? { ...sale.waitingRoom, preQueue: true } : sale.waitingRoom;
  const plan: RebuildPlan = {
    arm: {
      saleId: sale.id,
      startsAt,
      endsAt: sale.endsAt,
      perUserLimit: sale.perUserLimit,
      stock: sale.stock,
      registration: sale.registration,
      priorityStartsAt: sale.priorityStartsAt,
      waitingRoom,
    },
    counters: {
      remaining: sale.stock,
      held: 0,
      paid: 0,
      orders: snapshot.orders.length,
      seq: sale.redisSeq,
      epoch: sale.epoch + 1,
    },
    buyers: [],
    holds: [],
    closed: [],
    expiries: [],
    idempotency: [],
    fcodes: [],
    fcodeLedger: [],
    registrations: [],
    admissionsUsed: [],
  };
  const units = new Map<string, number>();
  const redeemed = new Map<string, string>();
  const used = new Set<string>();
  for (const order of snapshot.orders) {
    // Orders closed before their deadline was recorded keep their acceptance time as one.
    const expiresAt = order.expiresAt ?? order.createdAt;
    plan.holds.push([
      order.id,
      holdCodec.encode({
        buyerId: order.buyerId,
        quantity: order.quantity,
        createdAt: order.createdAt,
        expiresAt,
        fcodeHash: order.fcodeHash ?? undefined,
      }),
    ]);
    if (order.idempotencyKey) {
      plan.idempotency.push([
        `${order.buyerId} ${order.idempotencyKey}`,
        `${order.id}:${order.quantity}`,
      ]);
    }
    if (order.status === 'pending_payment') {
      plan.counters.held += order.quantity;
      plan.expiries.push([order.id, expiresAt.getTime()]);
    } else {
      plan.closed.push([order.id, order.status]);
      if (order.status === 'paid') plan.counters.paid += order.quantity;
    }
    if (!LIVE.has(order.status)) continue;
    units.set(order.buyerId, (units.get(order.buyerId) ?? 0) + order.quantity);
    if (order.fcodeHash) redeemed.set(order.fcodeHash, order.id);
    else if (sale.waitingRoom) used.add(order.buyerId);
  }
  plan.counters.remaining = sale.stock - plan.counters.held - plan.counters.paid;
  plan.buyers = [...units];
  plan.admissionsUsed = [...used];
  if (sale.priorityStartsAt) {
    plan.fcodes = snapshot.fcodes.map((code) => [code, redeemed.get(code) ?? '']);
    plan.counters.fcodes = plan.fcodes.length;
    plan.counters.fcodes_redeemed = plan.fcodes.filter(([, order]) => order !== '').length;
  }
  if (sale.registration) {
    plan.counters.registered = snapshot.registrations.length;
    plan.registrations = snapshot.registrations.map((r) => {
      const slot = registrationSlot(r.buyerId);
      return { bucket: slot.bucket, field: slot.field, registeredMs: r.registeredAt.getTime() };
    });
  }
  return plan;
}

/**
 * A sharded sale's plan, one per shard. Each order goes back to its buyer's home shard, with
 * the buyer's appointment and the ledger of the codes its live orders redeemed; each F-code
 * to its own shard, spent by the live order that redeemed it, wherever that order lives
 * (reservations start afresh: Postgres has the orders that took codes, nothing else);
 * the units no live order holds are split over the shards as at the
 * sale's creation; transfers start afresh (what was in flight is part of what nobody holds).
 * Each shard's sequence continues above the highest number Postgres persisted: shard k hands
 * out `seq * shards + k`, so its counter restarts at floor(redisSeq / shards) + 1.
 */
export function planShardedRebuild(
  snapshot: SaleSnapshot,
  nowMs: number,
  requeueMs: number,
): RebuildPlan[] {
  const { shards } = snapshot.sale;
  const byShard = Array.from({ length: shards }, () => ({
    orders: [] as SnapshotOrder[],
    registrations: [] as SaleSnapshot['registrations'],
    live: 0,
  }));
  for (const order of snapshot.orders) {
    const shard = byShard[homeShard(order.buyerId, shards)];
    shard.orders.push(order);
    if (LIVE.has(order.status)) shard.live += order.quantity;
  }
  for (const r of snapshot.registrations)
    byShard[homeShard(r.buyerId, shards)].registrations.push(r);
  const held = byShard.reduce((n, s) => n + s.live, 0);
  const shares = splitStock(snapshot.sale.stock - held, shards);
  const seq = Math.floor(snapshot.sale.redisSeq / shards) + 1;
  const redeemed = redeemedCodes(snapshot.orders);
  return byShard.map((part, shard) => {
    const plan = planRebuild(
      {
        ...snapshot,
        sale: { ...snapshot.sale, stock: part.live + shares[shard], redisSeq: seq },
        orders: part.orders,
        registrations: part.registrations,
      },
      nowMs,
      requeueMs,
    );
    plan.arm.shards = shards;
    plan.arm.shard = shard;
    if (snapshot.sale.priorityStartsAt) placeFcodes(plan, snapshot, redeemed, part.orders, shard);
    return plan;
  });
}

/** A shard's F-codes (those whose code shard it is) and its home ledger. */
function placeFcodes(
  plan: RebuildPlan,
  snapshot: SaleSnapshot,
  redeemed: ReadonlyMap<string, string>,
  home: SnapshotOrder[],
  shard: number,
): void {
  const { shards } = snapshot.sale;
  plan.fcodes = snapshot.fcodes
    .filter((code) => codeShard(code, shards) === shard)
    .map((code) => [code, redeemed.get(code) ?? '']);
  plan.fcodeLedger = home
    .filter((order) => order.fcodeHash && LIVE.has(order.status))
    .map((order) => [order.fcodeHash!, `a|${order.id}|${order.quantity}`]);
  plan.counters.fcodes = plan.fcodes.length;
  plan.counters.fcodes_redeemed = plan.fcodes.filter(([, order]) => order !== '').length;
}

/** Each F-code a live order redeemed, with that order's id. */
function redeemedCodes(orders: readonly SnapshotOrder[]): Map<string, string> {
  const redeemed = new Map<string, string>();
  for (const order of orders)
    if (order.fcodeHash && LIVE.has(order.status)) redeemed.set(order.fcodeHash, order.id);
  return redeemed;
}
