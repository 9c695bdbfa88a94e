import { Inject, Injectable } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';
import { ClosedStatus, Hold, holdCodec } from './scripts/codecs';
import { ArmSaleInput, CloseResult, PurchaseInput, PurchaseResult } from './scripts/script-entries';
import { ScriptGateway } from './scripts/script-gateway';

export interface SaleCounters {
  stock: number;
  remaining: number;
  held: number;
  paid: number;
  orders: number;
}

export interface MechanicsCounters {
  registrations: number | null;
  fcodes: { issued: number; redeemed: number } | null;
  queue: { joined: number; admitted: number; waiting: number } | null;
}

/** A hold with its live status: pending until close-order.lua records a transition. */
export interface LiveOrder extends Hold {
  status: ClosedStatus | 'pending_payment';
}

/** The sale's live state in Redis: arming, the atomic purchase, and read-outs. */
@Injectable()
export class InventoryService {
  private readonly scripts: ScriptGateway;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.scripts = new ScriptGateway(redis, keys);
  }

  async arm(input: ArmSaleInput): Promise<'armed' | 'already_armed'> {
    const armed = await this.scripts.run('armSale', input);
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
  async disarm(saleId: string): Promise<void> {
    const k = this.keys.sale(saleId);
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
    );
    await this.redis.srem(this.keys.activeSales, saleId);
    await this.redis.srem(this.keys.queuedSales, saleId);
  }

  /** The hot path: one EVALSHA, nothing else. */
  purchase(input: PurchaseInput): Promise<PurchaseResult> {
    return this.scripts.run('purchase', input);
  }

  /**
   * Moves a pending order to paid, cancelled or expired, exactly once (close-order.lua).
   * Returns what happened; a transition that lost a race sees the winner's status.
   */
  closeOrder(saleId: string, orderId: string, wanted: ClosedStatus): Promise<CloseResult> {
    return this.scripts.run('closeOrder', { saleId, orderId, wanted });
  }

  /**
   * Takes back an accepted purchase that was never answered 202 (its replica wait timed out):
   * cancelled like any order, so its units and the buyer's allowance return, and its
   * Idempotency-Key forgotten, so the buyer's retry makes a fresh attempt. False when the
   * order was already closed (or Redis did not answer): nothing was taken back.
   */
  async withdraw(saleId: string, orderId: string, buyerId: string, key?: string): Promise<boolean> {
    const closed = await this.closeOrder(saleId, orderId, 'cancelled');
    if (closed.kind !== 'closed') return false;
    if (key !== undefined) {
      await this.redis.hdel(this.keys.sale(saleId).idempotency, `${buyerId} ${key}`);
    }
    return true;
  }

  /** Orders of a sale whose payment deadline has passed on the Redis clock. */
  async dueOrders(saleId: string, limit: number): Promise<string[]> {
    const now = await this.now();
    return this.redis.zrangebyscore(
      this.keys.sale(saleId).expiries,
      '-inf',
      now,
      'LIMIT',
      0,
      limit,
    );
  }

  /** The sale's counters, or null when its live state is missing. */
  async counters(saleId: string): Promise<SaleCounters | null> {
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

  /** Counters of the mechanisms a sale switched on (absent ones are null). */
  async mechanicsCounters(saleId: string): Promise<MechanicsCounters> {
    const [registered, issued, redeemed, joined, head, next, wr] = await this.redis.hmget(
      this.keys.sale(saleId).state,
      'registered',
      'fcodes',
      'fcodes_redeemed',
      'wr_joined',
      'wr_head',
      'wr_next',
      'wr',
    );
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
    // One tick, so auto-pipelining sends them together: one pipeline per node on a cluster,
    // where an explicit pipeline may not span the sales' slots.
    const results = await Promise.all(
      saleIds.map((id) =>
        Promise.all([
          this.redis.hget(this.keys.sale(id).holds, orderId),
          this.redis.hget(this.keys.sale(id).closed, orderId),
        ]),
      ),
    );
    for (let i = 0; i < saleIds.length; i++) {
      const [hold, closed] = results[i];
      if (typeof hold === 'string') {
        const status = typeof closed === 'string' ? (closed as ClosedStatus) : 'pending_payment';
        return { ...holdCodec.decode(saleIds[i], orderId, hold), status };
      }
    }
    return null;
  }

  /** Every hold of a sale, buyer by buyer (for audits and tests). */
  async holds(saleId: string): Promise<Hold[]> {
    const all = await this.redis.hgetall(this.keys.sale(saleId).holds);
    return Object.entries(all).map(([orderId, value]) => holdCodec.decode(saleId, orderId, value));
  }
}
