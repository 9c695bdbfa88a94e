import { Module } from '@nestjs/common';
import { InventoryService } from './inventory.service';
import { SoldOutRegistry } from './sold-out.registry';
import { ReplicaAcks } from './replica-acks';
import { ScriptGateway } from './scripts/script-gateway';

@Module({
  providers: [InventoryService, SoldOutRegistry, ReplicaAcks, ScriptGateway],
  exports: [InventoryService, SoldOutRegistry, ReplicaAcks, ScriptGateway],
})
export class InventoryModule {}
