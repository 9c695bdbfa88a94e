export * from './redis-keys';
export * from './redis.module';
export * from './redis-connection';
