import { DataSource } from 'typeorm';
import type { OrderStatus } from '@flash/orders/order-status';
import type { SaleSnapshot } from './rebuild-plan';

interface SaleRow {
  id: string;
  stock: number;
  per_user_limit: number;
  starts_at: Date;
  ends_at: Date | null;
  registration_opens_at: Date | null;
  registration_closes_at: Date | null;
  priority_starts_at: Date | null;
  admission_rate: number | null;
  pre_queue: boolean;
  admission_ttl_seconds: number | null;
  redis_seq: string;
  epoch: number;
  shards: number;
}

interface OrderRow {
  id: string;
  buyer_id: string;
  quantity: number;
  status: OrderStatus;
  created_at: Date;
  expires_at: Date | null;
  fcode_hash: string | null;
  idempotency_key: string | null;
}

/** Reads everything a sale's Redis state is rebuilt from, or null for an unknown sale. */
export async function readSnapshot(db: DataSource, saleId: string): Promise<SaleSnapshot | null> {
  const [sale] = await db.query<SaleRow[]>(`SELECT * FROM "sales" WHERE "id" = $1`, [saleId]);
  if (!sale) return null;
  const orders = await db.query<OrderRow[]>(
    `SELECT "id", "buyer_id", "quantity", "status", "created_at", "expires_at", "fcode_hash", "idempotency_key"
     FROM "orders" WHERE "sale_id" = $1 ORDER BY "created_at", "id"`,
    [saleId],
  );
  const fcodes = await db.query<{ code_hash: string }[]>(
    `SELECT "code_hash" FROM "fcodes" WHERE "sale_id" = $1`,
    [saleId],
  );
  const registrations = await db.query<{ buyer_id: string; registered_at: Date }[]>(
    `SELECT "buyer_id", "registered_at" FROM "registrations" WHERE "sale_id" = $1`,
    [saleId],
  );
  return {
    sale: {
      id: sale.id,
      stock: sale.stock,
      perUserLimit: sale.per_user_limit,
      startsAt: sale.starts_at,
      endsAt: sale.ends_at,
      registration:
        sale.registration_opens_at && sale.registration_closes_at
          ? { opensAt: sale.registration_opens_at, closesAt: sale.registration_closes_at }
          : null,
      priorityStartsAt: sale.priority_starts_at,
      waitingRoom:
        sale.admission_rate !== null && sale.admission_ttl_seconds !== null
          ? {
              admissionRate: sale.admission_rate,
              admissionTtlSeconds: sale.admission_ttl_seconds,
              preQueue: sale.pre_queue,
            }
          : null,
      redisSeq: Number(sale.redis_seq),
      epoch: sale.epoch,
      shards: sale.shards,
    },
    orders: orders.map((o) => ({
      id: o.id,
      buyerId: o.buyer_id,
      quantity: o.quantity,
      status: o.status,
      createdAt: o.created_at,
      expiresAt: o.expires_at,
      fcodeHash: o.fcode_hash,
      idempotencyKey: o.idempotency_key,
    })),
    fcodes: fcodes.map((f) => f.code_hash),
    registrations: registrations.map((r) => ({
      buyerId: r.buyer_id,
      registeredAt: r.registered_at,
    })),
  };
}
