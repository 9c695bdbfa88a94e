import { DataSource, DataSourceOptions } from 'typeorm';
import type { AppConfig } from '@flash/config';
import { SaleEntity } from '@flash/sales/sale.entity';
import { SaleStockEntity } from '@flash/sales/sale-stock.entity';
import { OrderEntity } from '@flash/orders/order.entity';
import { GatewayChargeEntity } from '@flash/payments/gateway-charge.entity';
import { RegistrationEntity } from '@flash/appointments/registration.entity';
import { FcodeEntity } from '@flash/fcodes/fcode.entity';
import { LostOrderEntity } from '@flash/recovery/lost-order.entity';
import { SaleRebuildEntity } from '@flash/recovery/sale-rebuild.entity';
import { Initial1732000000000 } from './migrations/1732000000000-initial';
import { OrderClosedAt1732100000000 } from './migrations/1732100000000-order-closed-at';
import { GatewayCharges1732200000000 } from './migrations/1732200000000-gateway-charges';
import { NaiveStock1732300000000 } from './migrations/1732300000000-naive-stock';
import { SaleMechanics1732400000000 } from './migrations/1732400000000-sale-mechanics';
import { PostgresGuard1732500000000 } from './migrations/1732500000000-postgres-guard';
import { SaleRebuild1732600000000 } from './migrations/1732600000000-sale-rebuild';
import { InventoryShards1732700000000 } from './migrations/1732700000000-inventory-shards';
import { OrderList1732800000000 } from './migrations/1732800000000-order-list';
import { BotDefence1732900000000 } from './migrations/1732900000000-bot-defence';

export const ENTITIES = [
  SaleEntity,
  SaleStockEntity,
  OrderEntity,
  GatewayChargeEntity,
  SaleRebuildEntity,
  LostOrderEntity,
  RegistrationEntity,
  FcodeEntity,
];
export const MIGRATIONS = [
  Initial1732000000000,
  OrderClosedAt1732100000000,
  GatewayCharges1732200000000,
  NaiveStock1732300000000,
  SaleMechanics1732400000000,
  PostgresGuard1732500000000,
  SaleRebuild1732600000000,
  InventoryShards1732700000000,
  OrderList1732800000000,
  BotDefence1732900000000,
];

type DbConfig = Pick<AppConfig, 'databaseUrl' | 'databaseSchema' | 'databasePoolSize'>;

/**
 * The one place a DataSource is built. The schema is chosen through search_path so the
 * migrations stay schema-agnostic and a test can run them in a throwaway schema.
 * Never `synchronize`: the schema changes only through migrations.
 */
export function dataSourceOptions(config: DbConfig, applicationName: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    applicationName,
    extra: {
      max: config.databasePoolSize,
      options: `-c search_path=${config.databaseSchema}`,
      connectionTimeoutMillis: 5000,
    },
  };
}

export function createDataSource(config: DbConfig, applicationName: string): DataSource {
  return new DataSource(dataSourceOptions(config, applicationName));
}
