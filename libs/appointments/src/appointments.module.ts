import { Module } from '@nestjs/common';
import { InventoryModule } from '@flash/inventory';
import { SalesModule } from '@flash/sales';
import { AppointmentsService } from './appointments.service';

@Module({
  imports: [SalesModule, InventoryModule],
  providers: [AppointmentsService],
  exports: [AppointmentsService],
})
export class AppointmentsModule {}
