import { Module } from '@nestjs/common';
import { InventoryModule } from '@flash/inventory';
import { OrderWriter, OrdersModule } from '@flash/orders';
import { LostOrders } from './lost-orders';
import { SaleHealthService } from './sale-health';
import { SaleRebuilder } from './sale-rebuilder';

/** The API side of recovery: a sale's condition for /health, rebuilds on request, lost orders. */
@Module({
  imports: [InventoryModule, OrdersModule],
  providers: [SaleHealthService, SaleRebuilder, OrderWriter, LostOrders],
  exports: [SaleHealthService, SaleRebuilder, LostOrders],
})
export class RecoveryModule {}
