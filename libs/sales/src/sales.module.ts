import { Module } from '@nestjs/common';
import { InventoryModule } from '@flash/inventory';
import { PurchaseService } from './purchase.service';
import { SalesService } from './sales.service';

@Module({
  imports: [InventoryModule],
  providers: [SalesService, PurchaseService],
  exports: [SalesService, PurchaseService, InventoryModule],
})
export class SalesModule {}
