import { Module } from '@nestjs/common';
import { SalesModule } from '@flash/sales';
import { AppointmentsService } from './appointments.service';

@Module({
  imports: [SalesModule],
  providers: [AppointmentsService],
  exports: [AppointmentsService],
})
export class AppointmentsModule {}
