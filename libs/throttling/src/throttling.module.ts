import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { REDIS, RedisKeys } from '@flash/redis';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { FlashThrottlerGuard, throttlerOptions } from './throttler.guard';

/** Rate limits on every route of the API (health and metrics opt out with @SkipThrottle). */
@Module({})
export class ThrottlingModule {
  static forRoot(): DynamicModule {
    return {
      module: ThrottlingModule,
      imports: [
        ThrottlerModule.forRootAsync({
          inject: [APP_CONFIG, REDIS, RedisKeys],
          useFactory: (config: AppConfig, redis: Redis, keys: RedisKeys) =>
            throttlerOptions(config, new RedisThrottlerStorage(redis, keys)),
        }),
      ],
      providers: [{ provide: APP_GUARD, useClass: FlashThrottlerGuard }],
    };
  }
}
