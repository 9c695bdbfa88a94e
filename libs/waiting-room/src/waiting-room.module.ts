import { Module } from '@nestjs/common';
import { InventoryModule } from '@flash/inventory';
import { SalesModule } from '@flash/sales';
import { QueueFollowers } from './queue-followers';
import { WaitingRoomService } from './waiting-room.service';

/** The buyer-facing side (API). The worker runs AdmissionController on its own. */
@Module({
  imports: [SalesModule, InventoryModule],
  providers: [WaitingRoomService, QueueFollowers],
  exports: [WaitingRoomService, QueueFollowers],
})
export class WaitingRoomModule {}
