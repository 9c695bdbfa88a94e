import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS, RedisKeys } from '@flash/redis';
import { InventoryRedis, defineInventoryCommands } from './inventory.commands';
import { ArmCode, PurchaseCode, PurchaseResult } from './purchase-code';

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
    await this.redis.del(k.state, k.buyers, k.idempotency, k.holds, k.outbox);
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
      input.buyerId,
      input.quantity,
      input.orderId,
      input.idempotencyKey ?? '',
    );
    if (code === PurchaseCode.Accepted || code === PurchaseCode.Replayed) {
      return { code, orderId, quantity, remaining };
    }
    return { code, remaining };
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

  /** Looks an order up among the holds of the active sales (orders still in the pipeline). */
  async findHold(orderId: string): Promise<Hold | null> {
    const saleIds = await this.activeSaleIds();
    if (saleIds.length === 0) return null;
    const pipeline = this.redis.pipeline();
    for (const saleId of saleIds) pipeline.hget(this.keys.sale(saleId).holds, orderId);
    const results = (await pipeline.exec()) ?? [];
    for (let i = 0; i < saleIds.length; i++) {
      const [err, value] = results[i] ?? [];
      if (err) throw err;
      if (typeof value === 'string') return parseHold(saleIds[i], orderId, value);
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
  const [buyerId, quantity, createdMs] = value.split('|');
  return {
    orderId,
    saleId,
    buyerId,
    quantity: Number(quantity),
    createdAt: new Date(Number(createdMs)),
  };
}
