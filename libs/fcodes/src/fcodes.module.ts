import { Module } from '@nestjs/common';
import { SalesModule } from '@flash/sales';
import { FcodesService } from './fcodes.service';

@Module({
  imports: [SalesModule],
  providers: [FcodesService],
  exports: [FcodesService],
})
export class FcodesModule {}
