export * from './live-sales';
export * from './live.module';
export * from './sale-attempts';
export * from './stream-slots';
export * from './live-stream';
