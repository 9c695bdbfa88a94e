import { Module } from '@nestjs/common';
import { OrdersModule } from '@flash/orders';
import { PaymentProvider } from './payment-provider';
import { paymentProvider } from './payment-provider.factory';
import { PaymentWebhookService } from './payment-webhook.service';
import { PaymentsService } from './payments.service';

@Module({
  imports: [OrdersModule],
  providers: [paymentProvider, PaymentsService, PaymentWebhookService],
  exports: [PaymentProvider, PaymentsService, PaymentWebhookService],
})
export class PaymentsModule {}
