export * from './gateway-charge.entity';
export * from './payment-provider';
export * from './payment-webhook.service';
export * from './payments.module';
export * from './payments.service';
export * from './simulated-gateway';
export * from './webhook-signature';
