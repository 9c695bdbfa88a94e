import { Inject, Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { REDIS, RedisKeys } from '@flash/redis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

type RateLimitRedis = Redis & {
  rateLimit(
    hits: string,
    block: string,
    windowMs: number,
    limit: number,
    blockMs: number,
  ): Promise<[number, number, number, number]>;
};

/**
 * @nestjs/throttler's storage in Redis, so every API instance counts against the same
 * limits. One script call per throttler per request (rate-limit.lua): count, expire and
 * block in one atomic step, on the Redis clock.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly redis: RateLimitRedis;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.redis = redis as RateLimitRedis;
    if (typeof this.redis.rateLimit !== 'function') {
      redis.defineCommand('rateLimit', {
        numberOfKeys: 2,
        lua: readFileSync(join(__dirname, 'lua', 'rate-limit.lua'), 'utf8'),
      });
    }
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    // The hash tag keeps a tracker's two keys in one Redis Cluster slot.
    const hits = `${this.keys.prefix}rl:{${throttlerName}:${key}}`;
    const [totalHits, windowLeftMs, blocked, blockLeftMs] = await this.redis.rateLimit(
      hits,
      `${hits}:block`,
      ttl,
      limit,
      blockDuration,
    );
    return {
      totalHits,
      // The throttler reports both in seconds (as its in-memory storage does).
      timeToExpire: Math.ceil(windowLeftMs / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockLeftMs / 1000),
    };
  }
}
