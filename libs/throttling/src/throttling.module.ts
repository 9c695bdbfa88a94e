import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { InventoryModule, ScriptGateway, SoldOutRegistry } from '@flash/inventory';
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
          imports: [InventoryModule],
          inject: [APP_CONFIG, ScriptGateway, SoldOutRegistry],
          useFactory: (config: AppConfig, scripts: ScriptGateway, soldOut: SoldOutRegistry) =>
            throttlerOptions(config, new RedisThrottlerStorage(scripts), soldOut),
        }),
      ],
      providers: [{ provide: APP_GUARD, useClass: FlashThrottlerGuard }],
    };
  }
}
