import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { RedisKeys } from './redis-keys';
import { RedisClient, createRedis } from './redis-connection';

/** The shared command connection. */
export const REDIS = Symbol('REDIS');

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}
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
      useFactory: (config: AppConfig) =>
        createRedis(config, 'flash-sale', { autoPipelining: true }),
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
