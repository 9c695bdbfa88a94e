import { RedisClient, RedisKeys } from '@flash/redis';
import { keysMatching } from './test-env';

/** Every key of one sale (of one of its shards: its hash tag), as an operator would find them with SCAN. */
export function saleKeys(
  redis: RedisClient,
  keys: RedisKeys,
  saleId: string,
  shard = 0,
): Promise<string[]> {
  return keysMatching(redis, `${keys.saleTag(saleId, shard)}*`);
}
