import Redis from 'ioredis';
import { RedisKeys } from '@flash/redis';

/** Every key of one sale (its hash tag), as an operator would find them with SCAN. */
export async function saleKeys(redis: Redis, keys: RedisKeys, saleId: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(
      cursor,
      'MATCH',
      `${keys.saleTag(saleId)}*`,
      'COUNT',
      1000,
    );
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return found;
}
