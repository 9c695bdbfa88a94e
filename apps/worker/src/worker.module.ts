import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@flash/config';
import { DatabaseModule } from '@flash/database';
import { MetricsModule } from '@flash/metrics';
import { OrderWriter } from '@flash/orders';
import { MetricsServer } from './metrics-server';
import { OrderPersistProcessor } from './order-persist.processor';
import { WorkerMetrics } from './worker-metrics';

@Module({})
export class WorkerModule {
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot('flash-sale-worker'),
        MetricsModule,
      ],
      providers: [OrderWriter, OrderPersistProcessor, WorkerMetrics, MetricsServer],
    };
  }
}
