import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AcceptedOrder } from './order-job';

/**
 * Writes accepted orders to Postgres, many rows per statement, idempotently:
 * the order id is the primary key and a second delivery of the same order does nothing.
 * The unit price is taken from the sale row in the same statement; an unknown sale makes
 * it NULL, which the NOT NULL constraint refuses, so the batch fails loudly and is retried.
 */
@Injectable()
export class OrderWriter {
  constructor(private readonly dataSource: DataSource) {}

  /** Returns how many rows were new. */
  async insertMany(orders: readonly AcceptedOrder[]): Promise<number> {
    if (orders.length === 0) return 0;
    const rows: unknown = await this.dataSource.query(
      `INSERT INTO "orders" ("id", "sale_id", "buyer_id", "quantity", "unit_price", "status", "created_at")
       SELECT o.id, o.sale_id, o.buyer_id, o.quantity,
              (SELECT s.price FROM "sales" s WHERE s.id = o.sale_id), 'pending_payment', o.created_at
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::timestamptz[])
            AS o(id, sale_id, buyer_id, quantity, created_at)
       ON CONFLICT ("id") DO NOTHING
       RETURNING "id"`,
      [
        orders.map((o) => o.orderId),
        orders.map((o) => o.saleId),
        orders.map((o) => o.buyerId),
        orders.map((o) => o.quantity),
        orders.map((o) => new Date(o.createdAtMs).toISOString()),
      ],
    );
    return Array.isArray(rows) ? rows.length : 0;
  }
}
