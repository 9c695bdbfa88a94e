export * from './redis-keys';
export * from './redis.module';
