import type { Provider } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { PaymentProvider } from './payment-provider';
import { SimulatedGateway } from './simulated-gateway';
import { StripeGateway } from './stripe-gateway';

/** PAYMENT_PROVIDER picks the implementation, for the API and the worker alike. */
export const paymentProvider: Provider = {
  provide: PaymentProvider,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig): PaymentProvider =>
    config.payments.provider === 'stripe'
      ? new StripeGateway(config)
      : new SimulatedGateway(config),
};
