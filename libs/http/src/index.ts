export * from './api-error';
export * from './dependency-errors';
export * from './error.filter';
export * from './page-query';
export * from './validation';
export * from './event-stream';
export * from './event-stream-parse';
export * from './host-check';
