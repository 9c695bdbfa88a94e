import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';

/**
 * Whether a live sale can sell, judged from both stores:
 * - healthy: RedisClient has the sale's state and is not behind Postgres;
 * - missing: RedisClient has no state for it (it restarted empty, or lost the keys);
 * - regressed: RedisClient is behind what Postgres persisted (its outbox sequence or its count of
 *   orders is lower, or it handed a sequence number out twice), so it lost writes: a
 *   failover to a replica that had not received them, a restore, or a rebuild that read
 *   Postgres just before a late write landed;
 * - rebuilding: a rebuild holds the sale right now.
 */
export type SaleCondition = 'healthy' | 'missing' | 'regressed' | 'rebuilding';

export interface RedisSide {
  /** The state hash's stock field: absent when the state is missing or paused. */
  stock: string | null;
  seq: string | null;
  /** Orders Redis accepted (the state hash's count). */
  orders: string | null;
  rebuildLock: string | null;
}

export interface PostgresSide {
  redisSeq: number;
  regressedAt: Date | null;
  /** Orders the pipeline wrote: RedisClient accepted every one of them. */
  ordersCount: number;
}

export function diagnose(redis: RedisSide, pg: PostgresSide): SaleCondition {
  if (redis.rebuildLock !== null) return 'rebuilding';
  if (redis.stock === null) return 'missing';
  if (
    pg.regressedAt !== null ||
    Number(redis.seq ?? 0) < pg.redisSeq ||
    Number(redis.orders ?? 0) < pg.ordersCount
  )
    return 'regressed';
  return 'healthy';
}

export interface SaleHealth {
  saleId: string;
  condition: SaleCondition;
}

@Injectable()
export class SaleHealthService {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly db: DataSource,
  ) {}

  /**
   * Every sale that can still sell or still has unpaid orders, and its condition. Postgres
   * says which sales those are: after an empty restart, Redis no longer knows. (A sale's row
   * becomes visible only once it is armed: creating a sale arms it inside the transaction.)
   */
  async check(): Promise<SaleHealth[]> {
    const sales = await this.db.query<
      {
        id: string;
        redis_seq: string;
        regressed_at: Date | null;
        orders_count: string;
        shards: number;
      }[]
    >(
      `SELECT s."id", s."redis_seq", s."regressed_at", s."orders_count", s."shards" FROM "sales" s
       WHERE s."ends_at" IS NULL OR s."ends_at" > now()
          OR EXISTS (SELECT 1 FROM "orders" o WHERE o."sale_id" = s."id" AND o."status" = 'pending_payment')`,
    );
    if (sales.length === 0) return [];
    // Issued in one tick: the connection's auto-pipelining sends them together, one pipeline
    // per node on a cluster (an explicit pipeline may not span the sales' slots there).
    const states = await Promise.all(
      sales.map((sale) =>
        Promise.all([
          this.shardStates(sale.id, sale.shards),
          this.redis.get(`${this.keys.sale(sale.id).state}:rebuilding`),
        ]),
      ),
    );
    return sales.map((sale, i) => {
      const [shardStates, lock] = states[i];
      return {
        saleId: sale.id,
        condition: diagnose(
          { ...mergeShards(shardStates, sale.shards), rebuildLock: lock },
          {
            redisSeq: Number(sale.redis_seq),
            regressedAt: sale.regressed_at,
            ordersCount: Number(sale.orders_count),
          },
        ),
      };
    });
  }

  private shardStates(saleId: string, shards: number): Promise<(string | null)[][]> {
    return Promise.all(
      Array.from({ length: shards }, (_, shard) =>
        this.redis.hmget(this.keys.sale(saleId, shard).state, 'stock', 'seq', 'orders'),
      ),
    );
  }
}

/**
 * A sharded sale's Redis side as one: missing if any shard is, its orders the shards' sum, and
 * its sequence the highest number any shard handed out (shard k numbers `seq * shards + k`).
 */
export function mergeShards(
  states: readonly (string | null)[][],
  shards: number,
): Omit<RedisSide, 'rebuildLock'> {
  if (shards <= 1) {
    const [stock, seq, orders] = states[0];
    return { stock, seq, orders };
  }
  if (states.some(([stock]) => stock === null)) return { stock: null, seq: null, orders: null };
  let seq = 0;
  let orders = 0;
  states.forEach(([, s, o], shard) => {
    const count = Number(s ?? 0);
    if (count > 0) seq = Math.max(seq, count * shards + shard);
    orders += Number(o ?? 0);
  });
  return { stock: states[0][0], seq: String(seq), orders: String(orders) };
}
