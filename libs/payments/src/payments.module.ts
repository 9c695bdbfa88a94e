import { Module } from '@nestjs/common';
import { OrdersModule } from '@flash/orders';
import { PaymentProvider } from './payment-provider';
import { PaymentWebhookService } from './payment-webhook.service';
import { PaymentsService } from './payments.service';
import { SimulatedGateway } from './simulated-gateway';

@Module({
  imports: [OrdersModule],
  // PAYMENT_PROVIDER picks the implementation; the simulated gateway is the only one so far.
  providers: [
    { provide: PaymentProvider, useClass: SimulatedGateway },
    PaymentsService,
    PaymentWebhookService,
  ],
  exports: [PaymentProvider, PaymentsService, PaymentWebhookService],
})
export class PaymentsModule {}
