import { loadConfig } from '@flash/config';
import { InventoryService } from '@flash/inventory';
import { RedisKeys, createRedis } from '@flash/redis';

/**
 * node dist/loadtest/faults/transfer-churn.js <sale id> <shards> <max transfers>
 *
 * Moves stock between a sharded sale's shards as fast as it can, each move a journaled
 * transfer (ShardStock.transfer), printing a line every 50: the process the shard fault
 * test kills with SIGKILL at random moments, to show that a transfer cut short loses and
 * duplicates nothing. Reads REDIS_URL (or REDIS_CLUSTER_NODES) and REDIS_KEY_PREFIX.
 */
async function main(): Promise<void> {
  const [saleId, shardsArg, maxArg] = process.argv.slice(2);
  const shards = Number(shardsArg);
  const max = Number(maxArg);
  if (!saleId || !(shards >= 2) || !(max > 0))
    throw new Error('usage: transfer-churn <sale id> <shards> <max transfers>');
  const config = loadConfig();
  const redis = createRedis(config, 'transfer-churn');
  const inventory = new InventoryService(redis, new RedisKeys(config.redisKeyPrefix));
  for (let n = 1; n <= max; n++) {
    const donor = Math.floor(Math.random() * shards);
    const recipient = (donor + 1 + Math.floor(Math.random() * (shards - 1))) % shards;
    await inventory.shards.transfer(saleId, donor, recipient, 1 + Math.floor(Math.random() * 5));
    if (n % 50 === 0) process.stdout.write(`${n}\n`);
  }
  await redis.quit();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
