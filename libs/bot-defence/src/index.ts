export * from './work-bits';
export * from './proof-of-work';
export * from './proof-of-work-gate';
export * from './bot-defence.service';
export * from './bot-defence.module';
export * from './human-check';
export * from './turnstile-check';
