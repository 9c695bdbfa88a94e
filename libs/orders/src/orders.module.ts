import { Module } from '@nestjs/common';
import { SalesModule } from '@flash/sales';
import { OrdersQueue } from './orders-queue';
import { OrdersService } from './orders.service';
import { OutboxRelay } from './outbox-relay';
import { SaleStatsService } from './sale-stats.service';

/** The API side of orders: reading them, stats, and relaying accepted ones to the queue. */
@Module({
  imports: [SalesModule],
  providers: [OrdersService, SaleStatsService, OrdersQueue, OutboxRelay],
  exports: [OrdersService, SaleStatsService, OrdersQueue, OutboxRelay],
})
export class OrdersModule {}
