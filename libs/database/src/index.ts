export * from './bigint.transformer';
export * from './data-source';
export * from './database.module';
