import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { OrderIds, orderIdTime } from '@flash/inventory';

export interface LostOrder {
  orderId: string;
  saleId: string;
  lostFrom: Date;
  lostTo: Date;
  /** True the first time anyone asks about this order (it is counted then). */
  firstReport: boolean;
}

/**
 * Answers for order ids found in neither store. An order id is a UUIDv7 made when the purchase
 * ran, so it says when the order was accepted; if that moment lies inside the loss window of a
 * rebuild, the order was accepted by a Redis that then lost it before Postgres had it. Its
 * buyer gets that answer (410 ORDER_LOST), not a 404 that contradicts their 202. Only ids this
 * install issued (their tag checks: OrderIds) are explained: a made-up id is simply unknown.
 */
@Injectable()
export class LostOrders {
  onFirstReport?: (order: LostOrder) => void;

  private readonly ids: OrderIds;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly db: DataSource,
  ) {
    this.ids = new OrderIds(config.waitingRoom.admissionSecret);
  }

  async explain(orderId: string): Promise<LostOrder | null> {
    const at = orderIdTime(orderId);
    if (!at || !this.ids.issued(orderId)) return null;
    const [rebuild] = await this.db.query<
      { id: string; sale_id: string; lost_from: Date; lost_to: Date }[]
    >(
      `SELECT "id", "sale_id", "lost_from", "lost_to" FROM "sale_rebuilds"
       WHERE $1 BETWEEN "lost_from" AND "lost_to" ORDER BY "lost_to" DESC LIMIT 1`,
      [at],
    );
    if (!rebuild) return null;
    const inserted = await this.db.query<unknown[]>(
      `INSERT INTO "lost_orders" ("order_id", "rebuild_id") VALUES ($1, $2)
       ON CONFLICT ("order_id") DO NOTHING RETURNING "order_id"`,
      [orderId, rebuild.id],
    );
    const lost: LostOrder = {
      orderId,
      saleId: rebuild.sale_id,
      lostFrom: rebuild.lost_from,
      lostTo: rebuild.lost_to,
      firstReport: inserted.length > 0,
    };
    if (lost.firstReport) this.onFirstReport?.(lost);
    return lost;
  }
}
