import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@flash/config';
import { DatabaseModule } from '@flash/database';
import { MetricsModule } from '@flash/metrics';
import { InventoryService } from '@flash/inventory';
import { OrderExpiryService, OrderWriter } from '@flash/orders';
import { PaymentProvider, SimulatedGateway } from '@flash/payments';
import { RedisModule } from '@flash/redis';
import { AdmissionController } from '@flash/waiting-room';
import { MetricsServer } from './metrics-server';
import { OrdersProcessor } from './orders.processor';
import { RejectedOrders } from './rejected-orders';
import { WorkerMetrics } from './worker-metrics';

@Module({})
export class WorkerModule {
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        RedisModule,
        DatabaseModule.forRoot('flash-sale-worker'),
        MetricsModule,
      ],
      providers: [
        InventoryService,
        OrderWriter,
        OrderExpiryService,
        OrdersProcessor,
        AdmissionController,
        WorkerMetrics,
        MetricsServer,
        RejectedOrders,
        { provide: PaymentProvider, useClass: SimulatedGateway },
      ],
    };
  }
}
