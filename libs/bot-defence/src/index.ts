export * from './proof-of-work';
export * from './proof-of-work-gate';
