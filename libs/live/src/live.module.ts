import { Module } from '@nestjs/common';
import { InventoryModule } from '@flash/inventory';
import { LiveSales } from './live-sales';
import { SaleAttempts } from './sale-attempts';
import { StreamSlots } from './stream-slots';

/** The API's live pushes: what pages follow, their stream slots, the attempts reports. */
@Module({
  imports: [InventoryModule],
  providers: [LiveSales, SaleAttempts, StreamSlots],
  exports: [LiveSales, SaleAttempts, StreamSlots],
})
export class LiveModule {}
