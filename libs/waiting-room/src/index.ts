export * from './admission-controller';
export * from './admission-token';
export * from './queue-followers';
export * from './shuffle';
export * from './ticket-status';
export * from './waiting-room.module';
export * from './waiting-room.service';
