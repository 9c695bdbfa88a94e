import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@flash/config';
import { DatabaseModule } from '@flash/database';
import { createLogger, loggingModule } from '@flash/logging';
import { MetricsModule } from '@flash/metrics';
import { InventoryService, OrderLedger, ScriptGateway } from '@flash/inventory';
import { JobVetting, OrderExpiryService, OrderWriter, OrdersQueue } from '@flash/orders';
import {
  AuditLoop,
  SaleAuditor,
  SaleHealthService,
  SaleRebuilder,
  SaleRecovery,
} from '@flash/recovery';
import { paymentProvider } from '@flash/payments';
import { RedisModule } from '@flash/redis';
import { AdmissionController } from '@flash/waiting-room';
import { MetricsServer } from './metrics-server';
import { OrdersProcessor } from './orders.processor';
import { RecoveryHooks } from './recovery-hooks';
import { RejectedOrders } from './rejected-orders';
import { SalePulsePublisher } from './sale-pulse';
import { WorkerMetrics } from './worker-metrics';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        loggingModule(createLogger(config, 'worker')),
        RedisModule,
        DatabaseModule.forRoot('flash-sale-worker'),
        MetricsModule,
      ],
      providers: [
        InventoryService,
        ScriptGateway,
        OrderLedger,
        JobVetting,
        OrderWriter,
        OrderExpiryService,
        OrdersProcessor,
        AdmissionController,
        WorkerMetrics,
        MetricsServer,
        RejectedOrders,
        OrdersQueue,
        SaleHealthService,
        SaleRebuilder,
        SaleRecovery,
        SaleAuditor,
        AuditLoop,
        RecoveryHooks,
        SalePulsePublisher,
        paymentProvider,
      ],
    };
  }
}
