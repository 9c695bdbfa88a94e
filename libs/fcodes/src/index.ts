export * from './fcode';
export * from './fcode.entity';
export * from './fcodes.module';
export * from './fcodes.service';
