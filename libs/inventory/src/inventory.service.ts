import { Inject, Injectable } from '@nestjs/common';
import Redis, { ChainableCommander } from 'ioredis';
import { REDIS, RedisKeys } from '@flash/redis';
import { InventoryCommands, InventoryRedis, defineInventoryCommands } from './inventory.commands';
import { ArmCode, CloseCode, ClosedStatus, PurchaseCode, PurchaseResult } from './purchase-code';
import { registrationSlot } from './registration-slot';

export const RELAY_GROUP = 'relay';

export interface ArmSaleInput {
  saleId: string;
  startsAt: Date;
  endsAt: Date | null;
  perUserLimit: number;
  stock: number;
  /** Appointments: the registration window, or null when the sale takes none. */
  registration?: { opensAt: Date; closesAt: Date } | null;
  /** F-codes: when holders may start buying, or null when the sale takes none. */
  priorityStartsAt?: Date | null;
  /** Waiting room: admissions per second and how long one lasts, or null for none. */
  waitingRoom?: { admissionRate: number; admissionTtlSeconds: number } | null;
}

export interface PurchaseInput {
  saleId: string;
  buyerId: string;
  quantity: number;
  orderId: string;
  idempotencyKey?: string;
  /** How long the buyer has to pay; the order expires after that. */
  paymentWindowMs: number;
  /** SHA-256 (hex) of the F-code presented, if any. */
  fcodeHash?: string;
  /** The ticket of the admission token the API verified for this buyer and sale. */
  admissionTicket?: number;
  /** The per-buyer attempt limit, counted by the script itself; none when absent. */
  rateLimit?: AttemptLimit;
}

export interface AttemptLimit {
  windowMs: number;
  /** Attempts per window per buyer; 0 for none. */
  limit: number;
}

export interface CloseResult {
  code: CloseCode;
  /** The order's status after the call (the winner's, when another transition won). */
  status: ClosedStatus | 'pending_payment' | '';
  quantity: number;
  buyerId: string;
}

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

export interface Hold {
  orderId: string;
  saleId: string;
  buyerId: string;
  quantity: number;
  createdAt: Date;
  expiresAt: Date;
  /** The F-code this order redeemed (its hash), if any. */
  fcodeHash?: string;
}

/** A hold with its live status: pending until close-order.lua records a transition. */
export interface LiveOrder extends Hold {
  status: ClosedStatus | 'pending_payment';
}

/** The sale's live state in Redis: arming, the atomic purchase, and read-outs. */
@Injectable()
export class InventoryService {
  private readonly redis: InventoryRedis;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.redis = defineInventoryCommands(redis);
  }

  async arm(input: ArmSaleInput): Promise<ArmCode> {
    const k = this.keys.sale(input.saleId);
    const code = await this.redis.armSale(k.state, k.outbox, ...armArgs(input));
    await this.redis.sadd(this.keys.activeSales, input.saleId);
    if (input.waitingRoom) await this.redis.sadd(this.keys.queuedSales, input.saleId);
    return code as ArmCode;
  }

  /** The same as arm(), queued on a MULTI (the sale rebuild arms inside its transaction). */
  armInTransaction(tx: ChainableCommander, input: ArmSaleInput): void {
    const k = this.keys.sale(input.saleId);
    // Queued on the transaction, not sent: its answer comes with the EXEC.
    void (tx as unknown as InventoryCommands).armSale(k.state, k.outbox, ...armArgs(input));
    tx.sadd(this.keys.activeSales, input.saleId);
    if (input.waitingRoom) tx.sadd(this.keys.queuedSales, input.saleId);
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
  async purchase(input: PurchaseInput): Promise<PurchaseResult> {
    const k = this.keys.sale(input.saleId);
    const slot = registrationSlot(input.buyerId);
    const [code, orderId, quantity, remaining] = await this.redis.purchase(
      k.state,
      k.buyers,
      k.idempotency,
      k.holds,
      k.outbox,
      k.expiries,
      this.keys.registrationBucket(input.saleId, slot.bucket),
      k.fcodes,
      k.admissionsUsed,
      k.tickets,
      k.admits,
      this.keys.attempts(input.saleId, input.buyerId),
      input.buyerId,
      input.quantity,
      input.orderId,
      input.idempotencyKey ?? '',
      input.paymentWindowMs,
      this.keys.events,
      input.saleId,
      slot.field,
      input.fcodeHash ?? '',
      input.admissionTicket ?? '',
      input.rateLimit?.windowMs ?? 0,
      input.rateLimit?.limit ?? 0,
    );
    if (code === PurchaseCode.Accepted || code === PurchaseCode.Replayed) {
      return { code, orderId, quantity, remaining };
    }
    if (code === PurchaseCode.RateLimited) return { code, retryAfterMs: quantity, remaining };
    return { code, remaining };
  }

  /**
   * Moves a pending order to paid, cancelled or expired, exactly once (close-order.lua).
   * Returns what happened; a transition that lost a race sees the winner's status.
   */
  async closeOrder(saleId: string, orderId: string, wanted: ClosedStatus): Promise<CloseResult> {
    const k = this.keys.sale(saleId);
    const [code, status, quantity, buyerId] = await this.redis.closeOrder(
      k.state,
      k.buyers,
      k.holds,
      k.closed,
      k.expiries,
      k.outbox,
      k.fcodes,
      orderId,
      wanted,
      this.keys.events,
      saleId,
    );
    return { code, status: status as CloseResult['status'], quantity, buyerId };
  }

  /**
   * Takes back an accepted purchase that was never answered 202 (its replica wait timed out):
   * cancelled like any order, so its units and the buyer's allowance return, and its
   * Idempotency-Key forgotten, so the buyer's retry makes a fresh attempt. False when the
   * order was already closed (or Redis did not answer): nothing was taken back.
   */
  async withdraw(saleId: string, orderId: string, buyerId: string, key?: string): Promise<boolean> {
    const closed = await this.closeOrder(saleId, orderId, 'cancelled');
    if (closed.code !== CloseCode.Closed) return false;
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
    const pipeline = this.redis.pipeline();
    for (const id of saleIds) {
      pipeline.hget(this.keys.sale(id).holds, orderId);
      pipeline.hget(this.keys.sale(id).closed, orderId);
    }
    const results = (await pipeline.exec()) ?? [];
    for (let i = 0; i < saleIds.length; i++) {
      const [holdErr, hold] = results[2 * i] ?? [];
      const [closedErr, closed] = results[2 * i + 1] ?? [];
      if (holdErr) throw holdErr;
      if (closedErr) throw closedErr;
      if (typeof hold === 'string') {
        const status = typeof closed === 'string' ? (closed as ClosedStatus) : 'pending_payment';
        return { ...parseHold(saleIds[i], orderId, hold), status };
      }
    }
    return null;
  }

  /** Every hold of a sale, buyer by buyer (for audits and tests). */
  async holds(saleId: string): Promise<Hold[]> {
    const all = await this.redis.hgetall(this.keys.sale(saleId).holds);
    return Object.entries(all).map(([orderId, value]) => parseHold(saleId, orderId, value));
  }
}

/**
 * The hold string purchase.lua writes and close-order.lua reads:
 * "<buyer>|<quantity>|<created ms>|<expires ms>|<F-code hash or empty>". Its TypeScript
 * side, both ways, lives here only.
 */
export function encodeHold(hold: Omit<Hold, 'orderId' | 'saleId'>): string {
  return [
    hold.buyerId,
    hold.quantity,
    hold.createdAt.getTime(),
    hold.expiresAt.getTime(),
    hold.fcodeHash ?? '',
  ].join('|');
}

/** arm-sale.lua's ARGV, in its header's order. */
function armArgs(input: ArmSaleInput) {
  return [
    input.startsAt.getTime(),
    input.endsAt?.getTime() ?? 0,
    input.perUserLimit,
    input.stock,
    RELAY_GROUP,
    input.registration ? 1 : 0,
    input.registration?.opensAt.getTime() ?? 0,
    input.registration?.closesAt.getTime() ?? 0,
    input.priorityStartsAt?.getTime() ?? 0,
    input.waitingRoom?.admissionRate ?? 0,
    (input.waitingRoom?.admissionTtlSeconds ?? 0) * 1000,
  ] as const;
}

export function parseHold(saleId: string, orderId: string, value: string): Hold {
  const [buyerId, quantity, createdMs, expiresMs, fcodeHash] = value.split('|');
  const hold: Hold = {
    orderId,
    saleId,
    buyerId,
    quantity: Number(quantity),
    createdAt: new Date(Number(createdMs)),
    expiresAt: new Date(Number(expiresMs)),
  };
  if (fcodeHash) hold.fcodeHash = fcodeHash;
  return hold;
}
