export * from './rebuild-plan';
export * from './sale-health';
export * from './sale-rebuild.entity';
export * from './sale-rebuilder';
export * from './sale-recovery';
export * from './sale-snapshot';
