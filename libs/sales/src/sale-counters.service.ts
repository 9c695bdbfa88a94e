import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { InventoryService, SaleCounters } from '@flash/inventory';

/**
 * A sale's live counters from wherever its stock lives: Redis under the design, Postgres
 * under the naive baseline (where every order is written in the request, so nothing lags).
 */
@Injectable()
export class SaleCountersService {
  private readonly fromPostgres: boolean;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly inventory: InventoryService,
    private readonly dataSource: DataSource,
  ) {
    this.fromPostgres = config.purchaseStrategy === 'postgres';
  }

  /** The counters, or null when the sale's live state is missing. */
  async counters(saleId: string): Promise<SaleCounters | null> {
    if (!this.fromPostgres) return this.inventory.counters(saleId);
    const [row] = await this.dataSource.query<SaleCounters[]>(
      `SELECT s."stock", st."remaining",
              coalesce(sum(o."quantity") FILTER (WHERE o."status" = 'pending_payment'), 0)::int AS held,
              coalesce(sum(o."quantity") FILTER (WHERE o."status" = 'paid'), 0)::int AS paid,
              count(o."id")::int AS orders
       FROM "sale_stock" st
       JOIN "sales" s ON s."id" = st."sale_id"
       LEFT JOIN "orders" o ON o."sale_id" = st."sale_id"
       WHERE st."sale_id" = $1
       GROUP BY s."stock", st."remaining"`,
      [saleId],
    );
    return row ?? null;
  }
}
