import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { InventoryService, holdCodec } from '@flash/inventory';
import { AcceptedOrder, OrderStatus, OrdersQueue, relayBatchKey } from '@flash/orders';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';
import {
  DISCREPANCY_KINDS,
  Discrepancy,
  DiscrepancyKind,
  PostgresOrder,
  RedisOrder,
  compareSale,
} from './audit-compare';

export interface AuditReport {
  saleId: string;
  at: string;
  /** Orders compared in each store (those younger than the grace included). */
  redisOrders: number;
  postgresOrders: number;
  counts: Record<DiscrepancyKind, number>;
  /** The first discrepancies found, for reading. */
  discrepancies: Discrepancy[];
  /** Orders sent through the pipeline again (the safe repair). */
  resent: number;
}

const SCAN_COUNT = 1000;
const LISTED = 100;

/**
 * Compares one sale's Redis state with Postgres (compareSale), repairs what is safe (sends
 * lost entries and unheard-of statuses through the idempotent pipeline again) and reports
 * the rest. Redis is read with HSCAN, a thousand fields at a time, so a large sale never
 * blocks Redis for long; Postgres with one query on the sale's orders.
 */
@Injectable()
export class SaleAuditor {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly db: DataSource,
    private readonly inventory: InventoryService,
    private readonly queue: OrdersQueue,
  ) {}

  /** The sale's audit, or null when Redis has no state for it (the recovery's job). */
  async audit(saleId: string, repair = true): Promise<AuditReport | null> {
    const shards = await this.inventory.shards.of(saleId);
    const [counters, rejected] = await Promise.all([
      this.inventory.counters(saleId),
      Promise.all(
        Array.from({ length: shards }, (_, shard) =>
          this.redis.hget(this.keys.sale(saleId, shard).state, 'rejected'),
        ),
      ),
    ]);
    if (!counters) return null;
    const [redisOrders, postgresOrders, nowMs] = await Promise.all([
      this.redisOrders(saleId, shards),
      this.postgresOrders(saleId),
      this.inventory.now(),
    ]);
    const result = compareSale({
      nowMs,
      graceMs: this.config.recovery.auditGraceMs,
      counters: { ...counters, rejected: rejected.reduce((n, r) => n + Number(r ?? 0), 0) },
      redis: redisOrders,
      postgres: postgresOrders,
    });
    if (repair && result.resend.length > 0) await this.resend(saleId, result.resend);
    const counts = Object.fromEntries(DISCREPANCY_KINDS.map((kind) => [kind, 0])) as Record<
      DiscrepancyKind,
      number
    >;
    for (const d of result.discrepancies) counts[d.kind]++;
    return {
      saleId,
      at: new Date(nowMs).toISOString(),
      redisOrders: redisOrders.length,
      postgresOrders: postgresOrders.length,
      counts,
      discrepancies: result.discrepancies.slice(0, LISTED),
      resent: repair ? result.resend.length : 0,
    };
  }

  /** Every order of every shard of the sale (one, unless it is sharded). */
  private async redisOrders(saleId: string, shards: number): Promise<RedisOrder[]> {
    const perShard: RedisOrder[][] = [];
    for (let shard = 0; shard < shards; shard++)
      perShard.push(await this.shardOrders(saleId, shard));
    // Not push(...orders): a shard of a 150,000-unit sale holds more orders than a call may
    // take arguments (the stack overflows).
    return perShard.flat();
  }

  private async shardOrders(saleId: string, shard: number): Promise<RedisOrder[]> {
    const k = this.keys.sale(saleId, shard);
    const closed = await this.scanHash(k.closed);
    const holds = await this.scanHash(k.holds);
    return [...holds].map(([orderId, value]) => {
      const hold = holdCodec.decode(saleId, orderId, value);
      const order: RedisOrder = {
        orderId,
        buyerId: hold.buyerId,
        quantity: hold.quantity,
        createdMs: hold.createdAt.getTime(),
        expiresMs: hold.expiresAt.getTime(),
        status: (closed.get(orderId) as OrderStatus | undefined) ?? 'pending_payment',
      };
      if (hold.fcodeHash) order.fcodeHash = hold.fcodeHash;
      return order;
    });
  }

  private async scanHash(key: string): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(key, cursor, 'COUNT', SCAN_COUNT);
      for (let i = 0; i + 1 < flat.length; i += 2) found.set(flat[i], flat[i + 1]);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }

  private async postgresOrders(saleId: string): Promise<PostgresOrder[]> {
    const rows = await this.db.query<
      { id: string; quantity: number; status: OrderStatus; created_at: Date }[]
    >(`SELECT "id", "quantity", "status", "created_at" FROM "orders" WHERE "sale_id" = $1`, [
      saleId,
    ]);
    return rows.map((r) => ({
      orderId: r.id,
      quantity: r.quantity,
      status: r.status,
      createdMs: r.created_at.getTime(),
    }));
  }

  /** Through the same queue and idempotent writer as any relayed batch. */
  private async resend(saleId: string, orders: RedisOrder[]): Promise<void> {
    const entries: AcceptedOrder[] = orders.map((o) => ({
      orderId: o.orderId,
      saleId,
      buyerId: o.buyerId,
      quantity: o.quantity,
      createdAtMs: o.createdMs,
      expiresAtMs: o.expiresMs,
      status: o.status,
      fcodeHash: o.fcodeHash,
    }));
    const key = relayBatchKey(
      saleId,
      orders.map((o) => `${o.orderId}/${o.status}`),
    );
    await this.queue.addOrders(entries, `audit_${key}`);
  }
}
