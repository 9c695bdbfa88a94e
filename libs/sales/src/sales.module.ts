import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { InventoryModule } from '@flash/inventory';
import { PostgresPurchaseService } from './postgres-purchase.service';
import { PurchaseStrategy } from './purchase-strategy';
import { RedisPurchaseService } from './redis-purchase.service';
import { SaleCountersService } from './sale-counters.service';
import { SalesService } from './sales.service';

@Module({
  imports: [InventoryModule],
  providers: [
    SalesService,
    SaleCountersService,
    RedisPurchaseService,
    PostgresPurchaseService,
    {
      provide: PurchaseStrategy,
      inject: [APP_CONFIG, RedisPurchaseService, PostgresPurchaseService],
      useFactory: (
        config: AppConfig,
        redis: RedisPurchaseService,
        postgres: PostgresPurchaseService,
      ): PurchaseStrategy => (config.purchaseStrategy === 'postgres' ? postgres : redis),
    },
  ],
  exports: [SalesService, SaleCountersService, PurchaseStrategy, InventoryModule],
})
export class SalesModule {}
