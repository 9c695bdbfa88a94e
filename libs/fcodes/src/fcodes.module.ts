import { Module } from '@nestjs/common';
import { InventoryModule } from '@flash/inventory';
import { SalesModule } from '@flash/sales';
import { FcodesService } from './fcodes.service';

@Module({
  imports: [SalesModule, InventoryModule],
  providers: [FcodesService],
  exports: [FcodesService],
})
export class FcodesModule {}
