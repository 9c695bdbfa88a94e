import { Module } from '@nestjs/common';
import { InventoryService } from './inventory.service';
import { SoldOutRegistry } from './sold-out.registry';

@Module({
  providers: [InventoryService, SoldOutRegistry],
  exports: [InventoryService, SoldOutRegistry],
})
export class InventoryModule {}
