import { Module } from '@nestjs/common';
import { InventoryModule } from '@flash/inventory';
import { SalesModule } from '@flash/sales';
import { OrdersQueue } from './orders-queue';
import { OrderLifecycleService } from './order-lifecycle.service';
import { OrdersService } from './orders.service';
import { OutboxRelay } from './outbox-relay';
import { SaleStatsService } from './sale-stats.service';

/** The API side of orders: reading them, stats, and relaying accepted ones to the queue. */
@Module({
  imports: [SalesModule, InventoryModule],
  providers: [OrdersService, OrderLifecycleService, SaleStatsService, OrdersQueue, OutboxRelay],
  exports: [OrdersService, OrderLifecycleService, SaleStatsService, OrdersQueue, OutboxRelay],
})
export class OrdersModule {}
