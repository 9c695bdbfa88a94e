import { Injectable } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { ScriptGateway } from '@flash/inventory';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * @nestjs/throttler's storage in Redis, so every API instance counts against the same
 * limits. One script call per throttler per request (rate-limit.lua): count, expire and
 * block in one atomic step, on the Redis clock.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly scripts: ScriptGateway) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const result = await this.scripts.run('rateLimit', {
      tracker: `${throttlerName}:${key}`,
      windowMs: ttl,
      limit,
      blockMs: blockDuration,
    });
    return {
      totalHits: result.hits,
      // The throttler reports both in seconds (as its in-memory storage does).
      timeToExpire: Math.ceil(result.windowLeftMs / 1000),
      isBlocked: result.blocked,
      timeToBlockExpire: Math.ceil(result.blockLeftMs / 1000),
    };
  }
}
