import { Module } from '@nestjs/common';
import { InventoryService } from './inventory.service';
import { SoldOutRegistry } from './sold-out.registry';
import { ReplicaAcks } from './replica-acks';

@Module({
  providers: [InventoryService, SoldOutRegistry, ReplicaAcks],
  exports: [InventoryService, SoldOutRegistry, ReplicaAcks],
})
export class InventoryModule {}
