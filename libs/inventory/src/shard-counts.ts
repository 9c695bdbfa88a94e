import type { RedisClient, RedisKeys } from '@flash/redis';

/**
 * How many inventory shards each sale has. Fixed when the sale is created, so read from
 * shard 0's state once per sale per process (a sale is listed only once it is armed).
 */
export class ShardCounts {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** What this process believes, without asking Redis (1 until it learns otherwise). */
  known(saleId: string): number {
    return this.counts.get(saleId) ?? 1;
  }

  /** Remembers a sale's shard count, as purchase.lua or shard 0's state gave it. */
  learn(saleId: string, shards: number): void {
    if (this.counts.size >= 10_000) this.counts.clear();
    this.counts.set(saleId, shards);
  }

  /** The sale's shard count, from shard 0's state the first time (1 for an unarmed sale). */
  async of(saleId: string): Promise<number> {
    const known = this.counts.get(saleId);
    if (known !== undefined) return known;
    const [shards, stock] = await this.redis.hmget(this.keys.sale(saleId).state, 'shards', 'stock');
    if (stock === null) return 1; // not armed (or lost): nothing to remember
    const count = shards === null ? 1 : Number(shards);
    this.learn(saleId, count);
    return count;
  }
}
