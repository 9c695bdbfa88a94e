export * from './sale.entity';
export * from './sale-status';
export * from './sales.module';
export * from './sales.service';
export * from './purchase.service';
