export * from './redis-throttler.storage';
export * from './throttler.guard';
export * from './throttling.module';
export * from './address-group';
