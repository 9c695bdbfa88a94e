import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AcceptedOrder } from './order-job';
import type { OrderStatus } from './order-status';
import { SaleUnits, StoredOrder, planWrite } from './order-write-plan';

export interface WriteResult {
  /** Rows inserted or moved to a new status. */
  changed: number;
  /** New orders the guard had no stock for, now `rejected` in Postgres. */
  rejected: AcceptedOrder[];
  /** Orders paid in Redis after Postgres rejected them: their charge must be refunded. */
  paidAfterRejection: AcceptedOrder[];
  /** Sales whose Redis handed out a sequence number twice: it lost writes (see reusedSeqs). */
  regressed: string[];
}

/**
 * Writes orders to Postgres, many rows per statement, idempotently and convergently, with
 * Postgres as the last guard against oversell. One transaction per batch:
 * - the batch's sales are locked (in id order, so batches cannot deadlock) and their live
 *   units read: batches of one sale take turns, and each sees the rows of the one before;
 * - planWrite decides each row: a transition of a stored order, a new order while its sale
 *   has stock, `rejected` once it has none;
 * - the rows go in one multi-row INSERT, and each sale's live units move once. The CHECK on
 *   sales makes a plan that would exceed the stock fail rather than commit.
 * The order id is the primary key, and a row only ever moves out of pending_payment (the
 * guard in the WHERE), so a repeated or late entry never undoes a transition.
 */
@Injectable()
export class OrderWriter {
  constructor(private readonly dataSource: DataSource) {}

  async write(entries: readonly AcceptedOrder[]): Promise<WriteResult> {
    const orders = latestPerOrder(entries);
    if (orders.length === 0)
      return { changed: 0, rejected: [], paidAfterRejection: [], regressed: [] };
    return this.dataSource.transaction(async (tx) => {
      const sales = await lockSales(tx, [...new Set(orders.map((o) => o.saleId))].sort());
      const stored = await storedOrders(tx, orders);
      const plan = planWrite(orders, stored, sales);
      const regressed = await reusedSeqs(tx, plan.rows);
      const changed = await upsertRows(tx, withUniqueKeys(plan.rows));
      for (const saleId of regressed) {
        await tx.query(`UPDATE "sales" SET "regressed_at" = now() WHERE "id" = $1`, [saleId]);
      }
      const seqs = highestSeqs(entries);
      // Rows new to Postgres (under the lock, `stored` is exact): every one came through Redis,
      // so Redis's count of orders can never be below this one (see the sale rebuild).
      const inserted = new Map<string, number>();
      for (const row of plan.rows) {
        if (!stored.has(row.orderId)) inserted.set(row.saleId, (inserted.get(row.saleId) ?? 0) + 1);
      }
      for (const saleId of sales.keys()) {
        const delta = plan.liveDelta.get(saleId) ?? 0;
        const seq = seqs.get(saleId) ?? 0;
        const added = inserted.get(saleId) ?? 0;
        if (delta === 0 && seq === 0 && added === 0) continue;
        await tx.query(
          `UPDATE "sales" SET "live_units" = "live_units" + $2, "redis_seq" = GREATEST("redis_seq", $3),
             "orders_count" = "orders_count" + $4 WHERE "id" = $1`,
          [saleId, delta, seq, added],
        );
      }
      return {
        changed,
        rejected: plan.rejected,
        paidAfterRejection: plan.paidAfterRejection,
        regressed: [...regressed],
      };
    });
  }
}

async function lockSales(tx: EntityManager, saleIds: string[]): Promise<Map<string, SaleUnits>> {
  const rows: { id: string; stock: number; live_units: number }[] = await tx.query(
    `SELECT "id", "stock", "live_units" FROM "sales" WHERE "id" = ANY($1::uuid[]) ORDER BY "id" FOR UPDATE`,
    [saleIds],
  );
  return new Map(rows.map((r) => [r.id, { stock: r.stock, liveUnits: r.live_units }]));
}

/**
 * Sales for which a new order arrives with an acceptance sequence number that another order
 * already holds. Redis counts every outbox entry of a sale and never hands a number out
 * twice, unless it lost writes: a failover to a replica that had not received them, or a
 * restore. The order is still written (the stock guard decides); the sale is marked, and
 * the recovery loop rebuilds its Redis state from Postgres.
 */
async function reusedSeqs(tx: EntityManager, rows: readonly AcceptedOrder[]): Promise<Set<string>> {
  const accepted = rows.filter((r) => acceptanceSeq(r) !== null);
  if (accepted.length === 0) return new Set();
  const found: { sale_id: string }[] = await tx.query(
    `SELECT DISTINCT o.sale_id FROM "orders" o
     JOIN unnest($1::uuid[], $2::uuid[], $3::bigint[]) AS n(id, sale_id, seq)
       ON o.sale_id = n.sale_id AND o.seq = n.seq AND o.id <> n.id`,
    [accepted.map((r) => r.orderId), accepted.map((r) => r.saleId), accepted.map(acceptanceSeq)],
  );
  return new Set(found.map((r) => r.sale_id));
}

/** The sequence number of the entry that accepted an order, when this batch knows it. */
function acceptanceSeq(row: AcceptedOrder): number | null {
  return row.acceptanceSeq ?? null;
}

async function storedOrders(
  tx: EntityManager,
  orders: readonly AcceptedOrder[],
): Promise<Map<string, StoredOrder>> {
  const rows: {
    id: string;
    status: OrderStatus;
    quantity: number;
    idempotency_key: string | null;
    seq: string | null;
  }[] = await tx.query(
    `SELECT "id", "status", "quantity", "idempotency_key", "seq" FROM "orders" WHERE "id" = ANY($1::uuid[])`,
    [orders.map((o) => o.orderId)],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        status: r.status,
        quantity: r.quantity,
        hasKey: r.idempotency_key !== null,
        hasSeq: r.seq !== null,
      },
    ]),
  );
}

/** Returns how many rows were inserted or moved to a new status. */
async function upsertRows(tx: EntityManager, orders: readonly AcceptedOrder[]): Promise<number> {
  if (orders.length === 0) return 0;
  const rows: unknown = await tx.query(
    `INSERT INTO "orders" ("id", "sale_id", "buyer_id", "quantity", "unit_price", "status", "created_at", "expires_at", "closed_at", "fcode_hash", "idempotency_key", "seq")
     SELECT o.id, o.sale_id, o.buyer_id, o.quantity,
            (SELECT s.price FROM "sales" s WHERE s.id = o.sale_id), o.status, o.created_at, o.expires_at,
            CASE WHEN o.status <> 'pending_payment' THEN now() END, o.fcode_hash,
            -- A key another order of the buyer already holds (possible only after Redis lost
            -- state) is not kept: the second order is real, its key cannot be unique.
            CASE WHEN NOT EXISTS (SELECT 1 FROM "orders" x WHERE x.sale_id = o.sale_id
                   AND x.buyer_id = o.buyer_id AND x.idempotency_key = o.idem AND x.id <> o.id)
                 THEN o.idem END,
            o.seq
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[], $10::bigint[])
          AS o(id, sale_id, buyer_id, quantity, status, created_at, expires_at, fcode_hash, idem, seq)
     ON CONFLICT ("id") DO UPDATE SET
       "status" = CASE WHEN "orders"."status" = 'pending_payment' AND EXCLUDED."status" <> 'pending_payment'
                       THEN EXCLUDED."status" ELSE "orders"."status" END,
       "closed_at" = CASE WHEN "orders"."status" = 'pending_payment' AND EXCLUDED."status" <> 'pending_payment'
                          THEN now() ELSE "orders"."closed_at" END,
       -- An acceptance that arrives after its transition still leaves its key and number.
       "idempotency_key" = COALESCE("orders"."idempotency_key", EXCLUDED."idempotency_key"),
       "seq" = COALESCE("orders"."seq", EXCLUDED."seq")
     WHERE ("orders"."status" = 'pending_payment' AND EXCLUDED."status" <> 'pending_payment')
        OR ("orders"."idempotency_key" IS NULL AND EXCLUDED."idempotency_key" IS NOT NULL)
        OR ("orders"."seq" IS NULL AND EXCLUDED."seq" IS NOT NULL)
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
      orders.map((o) => o.idempotencyKey ?? null),
      orders.map((o) => acceptanceSeq(o)),
    ],
  );
  return Array.isArray(rows) ? rows.length : 0;
}

/** The highest outbox sequence number of each sale among the entries (0 when none has one). */
export function highestSeqs(entries: readonly AcceptedOrder[]): Map<string, number> {
  const seqs = new Map<string, number>();
  for (const e of entries) {
    if (e.seq !== undefined && e.seq > (seqs.get(e.saleId) ?? 0)) seqs.set(e.saleId, e.seq);
  }
  return seqs;
}

/** Keeps an Idempotency-Key on the first order per buyer and key only (see upsertRows). */
function withUniqueKeys(rows: readonly AcceptedOrder[]): AcceptedOrder[] {
  const seen = new Set<string>();
  return rows.map((row) => {
    if (!row.idempotencyKey) return row;
    const key = `${row.saleId} ${row.buyerId} ${row.idempotencyKey}`;
    if (!seen.has(key)) {
      seen.add(key);
      return row;
    }
    const copy = { ...row };
    delete copy.idempotencyKey;
    return copy;
  });
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
    if (!seen) {
      byId.set(entry.orderId, entry);
      continue;
    }
    const advanced = seen.status === 'pending_payment' && entry.status !== 'pending_payment';
    const [kept, other] = advanced ? [entry, seen] : [seen, entry];
    // The acceptance's key and number survive the transition that overtook it in the batch.
    byId.set(entry.orderId, {
      ...kept,
      idempotencyKey: kept.idempotencyKey ?? other.idempotencyKey,
      acceptanceSeq: kept.acceptanceSeq ?? other.acceptanceSeq,
    });
  }
  return [...byId.values()].sort((a, b) =>
    a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0,
  );
}
