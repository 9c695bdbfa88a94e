export * from './auth.guard';
export * from './jwt';
export * from './token-cache';
export * from './ops-access';
