export * from './auth.guard';
export * from './jwt';
export * from './token-cache';
