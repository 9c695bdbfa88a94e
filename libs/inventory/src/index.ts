export * from './inventory.commands';
export * from './inventory.module';
export * from './inventory.service';
export * from './purchase-code';
export * from './sold-out.registry';
export * from './registration-slot';
export * from './order-id';
export * from './replica-acks';
