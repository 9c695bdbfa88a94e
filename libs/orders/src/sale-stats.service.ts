import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@flash/errors';
import { InventoryService, QueueCounters } from '@flash/inventory';
import { SaleCountersService, SalesService } from '@flash/sales';

export interface SaleStats {
  saleId: string;
  stock: number;
  remaining: number;
  held: number;
  paid: number;
  ordersPersisted: number;
  unitsPersisted: number;
  pipelineLag: number;
  /** Appointments: buyers registered (only for sales that take them). */
  registrations?: number;
  /** F-codes issued, and redeemed by live or paid orders. */
  fcodes?: { issued: number; redeemed: number };
  /** Waiting room: buyers who joined, admitted so far, and waiting in line. */
  queue?: QueueCounters;
  /**
   * Hot-SKU shards: how many, the stock transfers between them so far, and the units in
   * flight in a transfer (counted in remaining).
   */
  shards?: { count: number; transfers: number; inFlight: number };
}

/** The admin's view of a sale: the live counters (Redis's, by default) beside what Postgres holds. */
@Injectable()
export class SaleStatsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly live: SaleCountersService,
    private readonly sales: SalesService,
    private readonly inventory: InventoryService,
  ) {}

  async stats(saleId: string): Promise<SaleStats> {
    const sale = await this.sales.get(saleId);
    const counters = await this.live.counters(saleId);
    if (!counters) throw new DomainError('unavailable', 'the sale is not live in Redis');
    const [row] = await this.dataSource.query<
      { orders: number; units: number; all_orders: number }[]
    >(
      `SELECT count(*) FILTER (WHERE status IN ('pending_payment', 'paid'))::int AS orders,
              coalesce(sum(quantity) FILTER (WHERE status IN ('pending_payment', 'paid')), 0)::int AS units,
              count(*)::int AS all_orders
       FROM "orders" WHERE sale_id = $1`,
      [saleId],
    );
    const stats: SaleStats = {
      saleId: sale.id,
      stock: counters.stock,
      remaining: counters.remaining,
      held: counters.held,
      paid: counters.paid,
      ordersPersisted: row.orders,
      unitsPersisted: row.units,
      // Accepted by the script (every one gets a row eventually) minus rows already written.
      pipelineLag: Math.max(0, counters.orders - row.all_orders),
    };
    if (counters.shards) stats.shards = counters.shards;
    const mechanics = await this.inventory.mechanicsCounters(saleId);
    if (mechanics.registrations !== null) stats.registrations = mechanics.registrations;
    if (mechanics.fcodes) stats.fcodes = mechanics.fcodes;
    if (mechanics.queue) stats.queue = mechanics.queue;
    return stats;
  }
}
