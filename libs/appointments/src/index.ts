export * from './appointments.module';
export * from './appointments.service';
export * from './registration.entity';
