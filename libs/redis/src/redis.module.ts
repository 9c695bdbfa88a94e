import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { RedisKeys } from './redis-keys';

/** The shared command connection. */
export const REDIS = Symbol('REDIS');

export function createRedis(url: string, name: string, autoPipelining = false): Redis {
  return new Redis(url, {
    connectionName: name,
    // Fail fast while Redis is away instead of queueing purchases that would answer late.
    maxRetriesPerRequest: 1,
    // Commands issued in the same event-loop tick go out in one write: under a flood of
    // purchases this saves a syscall per request.
    enableAutoPipelining: autoPipelining,
  });
}

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createRedis(config.redisUrl, 'flash-sale', true),
    },
    {
      provide: RedisKeys,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new RedisKeys(config.redisKeyPrefix),
    },
    RedisCloser,
  ],
  exports: [REDIS, RedisKeys],
})
export class RedisModule {}
