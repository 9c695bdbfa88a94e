import { Module } from '@nestjs/common';
import { InventoryService } from './inventory.service';
import { SoldOutRegistry } from './sold-out.registry';
import { ReplicaAcks } from './replica-acks';
import { OrderLedger } from './order-ledger';
import { ScriptGateway } from './scripts/script-gateway';

@Module({
  providers: [InventoryService, SoldOutRegistry, ReplicaAcks, ScriptGateway, OrderLedger],
  exports: [InventoryService, SoldOutRegistry, ReplicaAcks, ScriptGateway, OrderLedger],
})
export class InventoryModule {}
