export * from './bigint.transformer';
export * from './data-source';
export * from './database.module';
export * from './wait-for-database';
export * from './app-role';
