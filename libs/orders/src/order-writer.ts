import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AcceptedOrder } from './order-job';

/**
 * Writes orders to Postgres, many rows per statement, idempotently and convergently:
 * - the order id is the primary key, so a second delivery of the same entry changes nothing;
 * - a row moves only out of pending_payment (the guard in the WHERE), so a late or
 *   repeated pending entry never undoes a transition, and a closed order stays closed;
 * - a transition that arrives before the order's first entry inserts the row directly in
 *   its final status, so neither is lost whatever order the jobs run in.
 * The unit price is taken from the sale row in the same statement; an unknown sale makes
 * it NULL, which the NOT NULL constraint refuses, so the batch fails loudly and is retried.
 */
@Injectable()
export class OrderWriter {
  constructor(private readonly dataSource: DataSource) {}

  /** Returns how many rows were inserted or moved to a new status. */
  async insertMany(entries: readonly AcceptedOrder[]): Promise<number> {
    const orders = latestPerOrder(entries);
    if (orders.length === 0) return 0;
    const rows: unknown = await this.dataSource.query(
      `INSERT INTO "orders" ("id", "sale_id", "buyer_id", "quantity", "unit_price", "status", "created_at", "expires_at", "closed_at", "fcode_hash")
       SELECT o.id, o.sale_id, o.buyer_id, o.quantity,
              (SELECT s.price FROM "sales" s WHERE s.id = o.sale_id), o.status, o.created_at, o.expires_at,
              CASE WHEN o.status <> 'pending_payment' THEN now() END, o.fcode_hash
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[])
            AS o(id, sale_id, buyer_id, quantity, status, created_at, expires_at, fcode_hash)
       ON CONFLICT ("id") DO UPDATE SET "status" = EXCLUDED."status", "closed_at" = now()
         WHERE "orders"."status" = 'pending_payment' AND EXCLUDED."status" <> 'pending_payment'
       RETURNING "id"`,
      [
        orders.map((o) => o.orderId),
        orders.map((o) => o.saleId),
        orders.map((o) => o.buyerId),
        orders.map((o) => o.quantity),
        orders.map((o) => o.status),
        orders.map((o) => new Date(o.createdAtMs).toISOString()),
        orders.map((o) => (o.expiresAtMs ? new Date(o.expiresAtMs).toISOString() : null)),
        orders.map((o) => o.fcodeHash ?? null),
      ],
    );
    return Array.isArray(rows) ? rows.length : 0;
  }
}

/**
 * One entry per order, the most advanced one (a closed status beats pending): Postgres
 * refuses to touch the same row twice in one INSERT ... ON CONFLICT DO UPDATE. Sorted by
 * order id, so concurrent batches that share rows (a purchase in one, its payment in
 * another) lock them in the same order instead of deadlocking.
 */
export function latestPerOrder(entries: readonly AcceptedOrder[]): AcceptedOrder[] {
  const byId = new Map<string, AcceptedOrder>();
  for (const entry of entries) {
    const seen = byId.get(entry.orderId);
    if (!seen || (seen.status === 'pending_payment' && entry.status !== 'pending_payment')) {
      byId.set(entry.orderId, entry);
    }
  }
  return [...byId.values()].sort((a, b) =>
    a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0,
  );
}
