import { Inject, Injectable } from '@nestjs/common';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';
import { ClosedStatus, Hold, holdCodec } from './scripts/codecs';
import { homeShard } from './shards';

/** What a sale's Redis holds of one order: the hold purchase.lua wrote, and its closing. */
export interface LedgerEntry {
  hold: Hold | null;
  closed: ClosedStatus | null;
}

/**
 * Reads orders from a sale's own record in Redis: the holds hash (every order the sale
 * accepted) and the closed hash (how each one closed), in the buyer's home shard. Used to
 * check what arrives through the queue against what the sale itself recorded.
 */
@Injectable()
export class OrderLedger {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** One HMGET per shard and hash, sent together (auto-pipelined). */
  async read(
    saleId: string,
    shards: number,
    orders: readonly { orderId: string; buyerId: string }[],
  ): Promise<Map<string, LedgerEntry>> {
    const byShard = new Map<number, string[]>();
    for (const { orderId, buyerId } of orders) {
      const shard = homeShard(buyerId, shards);
      byShard.set(shard, [...(byShard.get(shard) ?? []), orderId]);
    }
    const reads = [...byShard].map(async ([shard, ids]) => {
      const k = this.keys.sale(saleId, shard);
      const [holds, closed] = await Promise.all([
        this.redis.hmget(k.holds, ...ids),
        this.redis.hmget(k.closed, ...ids),
      ]);
      return ids.map((id, i): [string, LedgerEntry] => [
        id,
        {
          hold: holds[i] === null ? null : holdCodec.decode(saleId, id, holds[i]),
          closed: (closed[i] as ClosedStatus | null) ?? null,
        },
      ]);
    });
    return new Map((await Promise.all(reads)).flat());
  }
}
