export * from './app-config';
export * from './config.module';
export * from './shutdown';
export * from './secrets';
export * from './connection-passwords';
export * from './stack-passwords';
