import { Module } from '@nestjs/common';
import { InventoryModule } from '@flash/inventory';
import { JobVetting, OrderWriter, OrdersModule } from '@flash/orders';
import { LostOrders } from './lost-orders';
import { SaleAuditor } from './sale-auditor';
import { SaleHealthService } from './sale-health';
import { SaleRebuilder } from './sale-rebuilder';

/** The API side of recovery: /health's sale check, rebuilds and audits on request, lost orders. */
@Module({
  imports: [InventoryModule, OrdersModule],
  providers: [SaleHealthService, SaleRebuilder, OrderWriter, JobVetting, LostOrders, SaleAuditor],
  exports: [SaleHealthService, SaleRebuilder, LostOrders, SaleAuditor],
})
export class RecoveryModule {}
