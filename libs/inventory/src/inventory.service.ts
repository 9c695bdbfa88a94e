import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';
import {
  ClosedStatus,
  Hold,
  OrderStatus,
  QueueCounters,
  holdCodec,
  saleEventCodec,
} from './scripts/codecs';
import { ArmSaleInput, CloseResult, PurchaseInput, PurchaseResult } from './scripts/script-entries';
import { ScriptGateway } from './scripts/script-gateway';
import { ShardGates } from './shard-gates';
import { ShardStock } from './shard-stock';
import { homeShard, splitStock } from './shards';

export interface SaleCounters {
  stock: number;
  remaining: number;
  held: number;
  paid: number;
  orders: number;
  /** A sharded sale's shards: how many, the transfers it needed, the units between shards. */
  shards?: { count: number; transfers: number; inFlight: number };
}

export interface MechanicsCounters {
  registrations: number | null;
  fcodes: { issued: number; redeemed: number } | null;
  queue: QueueCounters | null;
}

/**
 * Refills of a dry home shard one attempt may go through before it is refused. Each moves half
 * of the fullest shard's units, which other buyers of the dry shard may take first: at the
 * end of a sale, with a few units scattered over the shards and many buyers waiting, a buyer
 * may need several. A refill that finds every shard empty ends the wait at once.
 */
const MAX_REFILLS = 32;

/** A hold with its live status: pending until close-order.lua records a transition. */
export interface LiveOrder extends Hold {
  status: ClosedStatus | 'pending_payment';
}

/** The sale's live state in Redis: arming, the atomic purchase, and read-outs. */
@Injectable()
export class InventoryService {
  private readonly logger = new Logger(InventoryService.name);
  private readonly scripts: ScriptGateway;
  /** Sales split into inventory shards: shard counts, refills, the sell-out across shards. */
  readonly shards: ShardStock;
  /** A sharded sale's F-codes and waiting room, which live outside the buyer's home shard. */
  readonly gates: ShardGates;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.scripts = new ScriptGateway(redis, keys);
    this.shards = new ShardStock(redis, keys, this.scripts);
    this.gates = new ShardGates(redis, keys, this.scripts);
  }

  /**
   * Arms the sale; a sharded one shard by shard, each with its share of the stock, shard 0
   * last: the sale counts as armed once shard 0 is.
   */
  async arm(input: ArmSaleInput): Promise<'armed' | 'already_armed'> {
    const shards = input.shards ?? 1;
    const shares = splitStock(input.stock, shards);
    for (let shard = shards - 1; shard >= 1; shard--) {
      await this.scripts.run('armSale', { ...input, shard, stock: shares[shard] });
    }
    const armed = await this.scripts.run('armSale', { ...input, shard: 0, stock: shares[0] });
    if (shards > 1) this.shards.learn(input.saleId, shards);
    await this.list(input);
    return armed;
  }

  /**
   * Lists an armed sale for the relay, the metrics and (with a waiting room) the admission
   * controller. Apart from the arming: these sets live in slots of their own on a cluster,
   * and adding a sale twice changes nothing.
   */
  async list(input: Pick<ArmSaleInput, 'saleId' | 'waitingRoom'>): Promise<void> {
    await this.redis.sadd(this.keys.activeSales, input.saleId);
    if (input.waitingRoom) await this.redis.sadd(this.keys.queuedSales, input.saleId);
  }

  /**
   * The arming alone, queued on a MULTI of the sale's slot (the sale rebuild arms inside its
   * transaction); list() the sale once the transaction has committed.
   */
  armInTransaction(tx: ChainableCommander, input: ArmSaleInput): void {
    // Queued on the transaction, not sent: its answer comes with the EXEC.
    this.scripts.queue(tx, 'armSale', input);
  }

  /** Removes a sale's live state (used when creating the sale failed half-way). */
  async disarm(saleId: string, shards = 1): Promise<void> {
    for (let shard = 0; shard < shards; shard++) {
      const k = this.keys.sale(saleId, shard);
      await this.redis.del(
        k.state,
        k.buyers,
        k.idempotency,
        k.holds,
        k.outbox,
        k.closed,
        k.expiries,
        k.fcodes,
        k.ackMarker,
        k.transfers,
        k.transfersPending,
        k.fcodeReservations,
        k.fcodeLedger,
        k.fcodeFrees,
      );
    }
    await this.redis.srem(this.keys.activeSales, saleId);
    await this.redis.srem(this.keys.queuedSales, saleId);
  }

  /**
   * The hot path: one EVALSHA, nothing else, in the buyer's home shard. A sharded sale this
   * process has not met yet costs one more call the first time: the script says how many
   * shards it has.
   */
  async purchase(input: PurchaseInput): Promise<PurchaseResult> {
    input.shards = this.shards.known(input.saleId);
    input.shard = homeShard(input.buyerId, input.shards);
    if (input.shards > 1 && gated(input)) return this.gatedPurchase(input);
    const result = await this.scripts.run('purchase', input);
    if (result.kind !== 'wrong_shards') return this.refilledIfDry(input, result);
    this.shards.learn(input.saleId, result.shards);
    input.shards = result.shards;
    input.shard = homeShard(input.buyerId, result.shards);
    return gated(input) ? this.gatedPurchase(input) : this.attempt(input);
  }

  /**
   * A sharded sale's attempt with an F-code or an admission: the gate is settled where it
   * lives (the code's shard, shard 0) and its verdict passed to the home shard's purchase.
   */
  private async gatedPurchase(input: PurchaseInput): Promise<PurchaseResult> {
    if (input.fcodeHash !== undefined)
      return this.gates.withFcode(input, (attempt) => this.attempt(attempt));
    input.admissionVerdict = await this.gates.admissionVerdict(input);
    return this.attempt(input);
  }

  /** One purchase in the buyer's home shard, refilled from the others if it ran dry. */
  private async attempt(input: PurchaseInput): Promise<PurchaseResult> {
    return this.refilledIfDry(input, await this.scripts.run('purchase', input));
  }

  private refilledIfDry(input: PurchaseInput, result: PurchaseResult): Promise<PurchaseResult> {
    const dry = result.kind === 'sold_out' && (input.shards ?? 1) > 1;
    return dry ? this.refilled(input) : Promise.resolve(result);
  }

  /**
   * The buyer's home shard ran dry: it is refilled from the others and the attempt made again.
   * SOLD_OUT with remaining 0 then means the sale's sell-out (every shard empty, announced);
   * with remaining 1, that the refills kept being taken by others (the sale is not sold out).
   */
  private async refilled(input: PurchaseInput): Promise<PurchaseResult> {
    for (let refills = 0; refills < MAX_REFILLS; refills++) {
      if ((await this.shards.refill(input.saleId, input.shard ?? 0)) === 'sold_out')
        return { kind: 'sold_out', remaining: 0 };
      const result = await this.scripts.run('purchase', input);
      if (result.kind !== 'sold_out') return result;
    }
    return { kind: 'sold_out', remaining: 1 };
  }

  /**
   * Moves a pending order to paid, cancelled or expired, exactly once (close-order.lua).
   * Returns what happened; a transition that lost a race sees the winner's status. In a
   * sharded sale the order is in its buyer's home shard (`where` names the buyer or the
   * shard; without it the shards are searched), and units given back are announced.
   */
  async closeOrder(
    saleId: string,
    orderId: string,
    wanted: ClosedStatus,
    where: { buyerId?: string; shard?: number; byBuyer?: boolean } = {},
  ): Promise<CloseResult> {
    const result = await this.closeInShard(saleId, orderId, wanted, where);
    if ((result.kind === 'closed' || result.kind === 'lapsed') && result.status !== '') {
      await this.announceClosed(saleId, orderId, result.status);
    }
    return result;
  }

  private async closeInShard(
    saleId: string,
    orderId: string,
    wanted: ClosedStatus,
    where: { buyerId?: string; shard?: number; byBuyer?: boolean },
  ): Promise<CloseResult> {
    const shards = await this.shards.of(saleId);
    const byBuyer = where.byBuyer === true;
    if (shards <= 1) return this.scripts.run('closeOrder', { saleId, orderId, wanted, byBuyer });
    const shard =
      where.shard ??
      (where.buyerId !== undefined
        ? homeShard(where.buyerId, shards)
        : await this.orderShard(saleId, orderId, shards));
    const result = await this.scripts.run('closeOrder', {
      saleId,
      shard,
      orderId,
      wanted,
      byBuyer,
    });
    if (result.fcodeToFree)
      await this.gates.free(saleId, shards, shard, result.fcodeToFree, orderId);
    if (result.kind === 'closed' && (result.status === 'cancelled' || result.status === 'expired'))
      await this.shards.announceAvailable(saleId);
    return result;
  }

  /**
   * Tells the pages following the order (GET /orders/:id/events) on every API instance,
   * on shard 0's channel whatever the order's shard. Best effort: a stream reads the order
   * when it opens, so a push lost here is only late on a page that was already open.
   */
  private async announceClosed(
    saleId: string,
    orderId: string,
    status: OrderStatus,
  ): Promise<void> {
    if (status === 'pending_payment') return;
    const event = saleEventCodec.encode({ kind: 'order', saleId, orderId, status });
    await this.redis.spublish(this.keys.sale(saleId).events, event).catch((err: Error) => {
      this.logger.warn(`announcing order ${orderId} ${status} failed: ${err.message}`);
    });
  }

  /** A sharded sale's F-code reservations and frees that a dead process left, settled. */
  async settleFcodes(saleId: string): Promise<number> {
    const shards = await this.shards.of(saleId);
    return shards > 1 ? this.gates.reconcile(saleId, shards, await this.now()) : 0;
  }

  /** The shard holding an order of a sharded sale (0 if none does: close-order says unknown). */
  private async orderShard(saleId: string, orderId: string, shards: number): Promise<number> {
    const found = await Promise.all(
      Array.from({ length: shards }, (_, k) =>
        this.redis.hexists(this.keys.sale(saleId, k).holds, orderId),
      ),
    );
    return Math.max(0, found.indexOf(1));
  }

  /**
   * Takes back an accepted purchase that was never answered 202 (its replica wait timed out):
   * cancelled like any order, so its units and the buyer's allowance return, and its
   * Idempotency-Key forgotten, so the buyer's retry makes a fresh attempt. False when the
   * order was already closed (or Redis did not answer): nothing was taken back.
   */
  async withdraw(saleId: string, orderId: string, buyerId: string, key?: string): Promise<boolean> {
    const closed = await this.closeOrder(saleId, orderId, 'cancelled', { buyerId });
    if (closed.kind !== 'closed') return false;
    if (key !== undefined) {
      const shard = homeShard(buyerId, await this.shards.of(saleId));
      await this.redis.hdel(this.keys.sale(saleId, shard).idempotency, `${buyerId} ${key}`);
    }
    return true;
  }

  /** Orders of a sale (of one of its shards) whose payment deadline has passed on the Redis clock. */
  async dueOrders(saleId: string, limit: number, shard = 0): Promise<string[]> {
    const now = await this.now();
    return this.redis.zrangebyscore(
      this.keys.sale(saleId, shard).expiries,
      '-inf',
      now,
      'LIMIT',
      0,
      limit,
    );
  }

  /**
   * The sale's counters, or null when its live state is missing. A sharded sale's are the
   * sums over its shards, with the units in flight between shards counted as remaining.
   */
  async counters(saleId: string): Promise<SaleCounters | null> {
    const shards = await this.shards.of(saleId);
    if (shards > 1) return this.shardedCounters(saleId, shards);
    const values = await this.redis.hmget(
      this.keys.sale(saleId).state,
      'stock',
      'remaining',
      'held',
      'paid',
      'orders',
    );
    if (values.some((v) => v === null)) return null;
    const [stock, remaining, held, paid, orders] = values.map(Number);
    return { stock, remaining, held, paid, orders };
  }

  private async shardedCounters(saleId: string, shards: number): Promise<SaleCounters | null> {
    const totals = await this.shards.totals(saleId, shards);
    if (totals.shards.some((s) => Number.isNaN(s.stock))) return null;
    const sum = (f: (s: (typeof totals.shards)[number]) => number) =>
      totals.shards.reduce((n, s) => n + f(s), 0);
    return {
      stock: sum((s) => s.stock) + totals.inFlight,
      remaining: sum((s) => s.remaining) + totals.inFlight,
      held: sum((s) => s.held),
      paid: sum((s) => s.paid),
      orders: sum((s) => s.orders),
      shards: { count: shards, transfers: totals.transfers, inFlight: totals.inFlight },
    };
  }

  /** Counters of the mechanisms a sale switched on (absent ones are null). */
  async mechanicsCounters(saleId: string): Promise<MechanicsCounters> {
    const counters = await this.shardZeroMechanics(saleId);
    const shards = await this.shards.of(saleId);
    if (shards <= 1) return counters;
    // Each buyer registers in their home shard; each F-code is issued and redeemed in its own.
    const others = await Promise.all(
      Array.from({ length: shards - 1 }, (_, k) =>
        this.redis.hmget(
          this.keys.sale(saleId, k + 1).state,
          'registered',
          'fcodes',
          'fcodes_redeemed',
        ),
      ),
    );
    for (const [registered, issued, redeemed] of others) {
      if (counters.registrations !== null) counters.registrations += Number(registered ?? 0);
      if (counters.fcodes !== null) {
        counters.fcodes.issued += Number(issued ?? 0);
        counters.fcodes.redeemed += Number(redeemed ?? 0);
      }
    }
    return counters;
  }

  private async shardZeroMechanics(saleId: string): Promise<MechanicsCounters> {
    const k = this.keys.sale(saleId);
    const [fields, suspects, held] = await Promise.all([
      this.redis.hmget(
        k.state,
        'registered',
        'fcodes',
        'fcodes_redeemed',
        'wr_joined',
        'wr_head',
        'wr_next',
        'wr',
      ),
      this.redis.scard(k.suspects),
      this.redis.hlen(k.held),
    ]);
    const [registered, issued, redeemed, joined, head, next, wr] = fields;
    return {
      registrations: registered === null ? null : Number(registered),
      fcodes: issued === null ? null : { issued: Number(issued), redeemed: Number(redeemed ?? 0) },
      queue:
        wr === null
          ? null
          : {
              joined: Number(joined),
              admitted: Number(head),
              // Tickets handed out after the opening, not yet admitted (the pre-queue counts once placed).
              waiting: Math.max(0, Number(next) - 1 - Number(head)),
              suspects: Number(suspects),
              held: Number(held),
            },
    };
  }

  /** Milliseconds on the Redis clock, the one clock all instances share. */
  async now(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  async activeSaleIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.activeSales);
  }

  /**
   * Looks an order up among the active sales (or in the given sale), with its live status.
   * Redis answers for orders still in the pipeline and is ahead of Postgres on status.
   */
  async findOrder(orderId: string, saleId?: string): Promise<LiveOrder | null> {
    const saleIds = saleId ? [saleId] : await this.activeSaleIds();
    if (saleIds.length === 0) return null;
    const places = (
      await Promise.all(
        saleIds.map(async (id) => {
          const shards = await this.shards.of(id);
          return Array.from({ length: shards }, (_, shard) => ({ saleId: id, shard }));
        }),
      )
    ).flat();
    // One tick, so auto-pipelining sends them together: one pipeline per node on a cluster,
    // where an explicit pipeline may not span the sales' slots.
    const results = await Promise.all(
      places.map(({ saleId: id, shard }) =>
        Promise.all([
          this.redis.hget(this.keys.sale(id, shard).holds, orderId),
          this.redis.hget(this.keys.sale(id, shard).closed, orderId),
        ]),
      ),
    );
    for (let i = 0; i < places.length; i++) {
      const [hold, closed] = results[i];
      if (typeof hold === 'string') {
        const status = typeof closed === 'string' ? (closed as ClosedStatus) : 'pending_payment';
        return { ...holdCodec.decode(places[i].saleId, orderId, hold), status };
      }
    }
    return null;
  }

  /** Every hold of a sale (of all its shards), buyer by buyer (for audits and tests). */
  async holds(saleId: string): Promise<Hold[]> {
    const shards = await this.shards.of(saleId);
    const all: Hold[] = [];
    for (let shard = 0; shard < shards; shard++) {
      const held = await this.redis.hgetall(this.keys.sale(saleId, shard).holds);
      for (const [orderId, value] of Object.entries(held))
        all.push(holdCodec.decode(saleId, orderId, value));
    }
    return all;
  }
}

/** Whether an attempt passes a gate that a sharded sale keeps outside the home shard. */
function gated(input: PurchaseInput): boolean {
  return input.fcodeHash !== undefined || input.admissionTicket !== undefined;
}
