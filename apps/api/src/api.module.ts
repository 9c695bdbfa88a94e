import { DynamicModule, Module } from '@nestjs/common';
import type { Logger as Pino } from 'pino';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig, ConfigModule } from '@flash/config';
import { DatabaseModule } from '@flash/database';
import { LiveModule } from '@flash/live';
import { loggingModule } from '@flash/logging';
import { MetricsModule } from '@flash/metrics';
import { OrdersModule } from '@flash/orders';
import { PaymentsModule } from '@flash/payments';
import { RecoveryModule } from '@flash/recovery';
import { RedisModule } from '@flash/redis';
import { SalesModule } from '@flash/sales';
import { AppointmentsModule } from '@flash/appointments';
import { FcodesModule } from '@flash/fcodes';
import { BotDefenceModule } from '@flash/bot-defence';
import { ThrottlingModule } from '@flash/throttling';
import { WaitingRoomModule } from '@flash/waiting-room';
import { AppointmentsController } from './mechanics/appointments.controller';
import { BotGate } from './mechanics/bot-gate';
import { ProofOfWorkController } from './mechanics/proof-of-work.controller';
import { FcodesController } from './mechanics/fcodes.controller';
import { SuspectsController } from './mechanics/suspects.controller';
import { WaitingRoomController } from './mechanics/waiting-room.controller';
import { DevTokenController } from './auth/dev-token.controller';
import { OrdersController } from './orders/orders.controller';
import { PaymentWebhookController } from './orders/payment-webhook.controller';
import { SaleEventsFollowing } from './sales/sale-events-following';
import { ApiGauges } from './ops/api-gauges';
import { HealthController } from './ops/health.controller';
import { LiveStreamsController } from './live/live-streams.controller';
import { MetricsController } from './ops/metrics.controller';
import { AdminSalesController } from './sales/admin-sales.controller';
import { SalesController } from './sales/sales.controller';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, logger: Pino): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        loggingModule(logger),
        RedisModule,
        DatabaseModule.forRoot('flash-sale-api'),
        MetricsModule,
        TerminusModule.forRoot({ logger: false }),
        SalesModule,
        OrdersModule,
        PaymentsModule,
        AppointmentsModule,
        FcodesModule,
        WaitingRoomModule,
        BotDefenceModule,
        RecoveryModule,
        ThrottlingModule.forRoot(),
        LiveModule,
      ],
      controllers: [
        DevTokenController,
        AdminSalesController,
        SalesController,
        OrdersController,
        PaymentWebhookController,
        AppointmentsController,
        FcodesController,
        SuspectsController,
        WaitingRoomController,
        ProofOfWorkController,
        HealthController,
        MetricsController,
        LiveStreamsController,
      ],
      providers: [ApiGauges, SaleEventsFollowing, BotGate],
    };
  }
}
