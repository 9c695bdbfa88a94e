import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS, RedisKeys } from '@flash/redis';
import { InventoryRedis, defineInventoryCommands } from './inventory.commands';
import { ArmCode, CloseCode, ClosedStatus, PurchaseCode, PurchaseResult } from './purchase-code';

export const RELAY_GROUP = 'relay';

export interface ArmSaleInput {
  saleId: string;
  startsAt: Date;
  endsAt: Date | null;
  perUserLimit: number;
  stock: number;
}

export interface PurchaseInput {
  saleId: string;
  buyerId: string;
  quantity: number;
  orderId: string;
  idempotencyKey?: string;
  /** How long the buyer has to pay; the order expires after that. */
  paymentWindowMs: number;
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

export interface Hold {
  orderId: string;
  saleId: string;
  buyerId: string;
  quantity: number;
  createdAt: Date;
  expiresAt: Date;
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
    const code = await this.redis.armSale(
      k.state,
      k.outbox,
      input.startsAt.getTime(),
      input.endsAt?.getTime() ?? 0,
      input.perUserLimit,
      input.stock,
      RELAY_GROUP,
    );
    await this.redis.sadd(this.keys.activeSales, input.saleId);
    return code as ArmCode;
  }

  /** Removes a sale's live state (used when creating the sale failed half-way). */
  async disarm(saleId: string): Promise<void> {
    const k = this.keys.sale(saleId);
    await this.redis.del(k.state, k.buyers, k.idempotency, k.holds, k.outbox, k.closed, k.expiries);
    await this.redis.srem(this.keys.activeSales, saleId);
  }

  /** The hot path: one EVALSHA, nothing else. */
  async purchase(input: PurchaseInput): Promise<PurchaseResult> {
    const k = this.keys.sale(input.saleId);
    const [code, orderId, quantity, remaining] = await this.redis.purchase(
      k.state,
      k.buyers,
      k.idempotency,
      k.holds,
      k.outbox,
      k.expiries,
      input.buyerId,
      input.quantity,
      input.orderId,
      input.idempotencyKey ?? '',
      input.paymentWindowMs,
      this.keys.events,
      input.saleId,
    );
    if (code === PurchaseCode.Accepted || code === PurchaseCode.Replayed) {
      return { code, orderId, quantity, remaining };
    }
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
      orderId,
      wanted,
      this.keys.events,
      saleId,
    );
    return { code, status: status as CloseResult['status'], quantity, buyerId };
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

export function parseHold(saleId: string, orderId: string, value: string): Hold {
  const [buyerId, quantity, createdMs, expiresMs] = value.split('|');
  return {
    orderId,
    saleId,
    buyerId,
    quantity: Number(quantity),
    createdAt: new Date(Number(createdMs)),
    expiresAt: new Date(Number(expiresMs)),
  };
}
