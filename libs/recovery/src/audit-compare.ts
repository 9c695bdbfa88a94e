import type { OrderStatus } from '@flash/orders/order-status';

/** What the auditor finds, by kind. */
export type DiscrepancyKind =
  /** remaining + held + paid + rejected differs from the stock in Redis. */
  | 'balance'
  /** Postgres's live units differ from Redis's held + paid, for orders past the grace. */
  | 'units'
  /** An order Redis holds that Postgres still lacks past the grace: its outbox entry was lost. */
  | 'lost'
  /** An order Postgres has that Redis does not: Redis lost it (a rebuild restores it). */
  | 'orphan'
  /** An order whose status differs between the stores past the grace. */
  | 'status'
  /** A pending order past its deadline by more than the grace: its units were never restored. */
  | 'unexpired';

export const DISCREPANCY_KINDS: readonly DiscrepancyKind[] = [
  'balance',
  'units',
  'lost',
  'orphan',
  'status',
  'unexpired',
];

export interface RedisOrder {
  orderId: string;
  buyerId: string;
  quantity: number;
  createdMs: number;
  expiresMs: number;
  fcodeHash?: string;
  status: OrderStatus;
}

export interface PostgresOrder {
  orderId: string;
  quantity: number;
  status: OrderStatus;
  createdMs: number;
}

export interface AuditInput {
  nowMs: number;
  graceMs: number;
  counters: { stock: number; remaining: number; held: number; paid: number; rejected: number };
  redis: RedisOrder[];
  postgres: PostgresOrder[];
}

export interface Discrepancy {
  kind: DiscrepancyKind;
  orderId?: string;
  detail: string;
}

export interface AuditResult {
  discrepancies: Discrepancy[];
  /** Orders to send through the pipeline again (lost entries, unconverged statuses). */
  resend: RedisOrder[];
}

const LIVE: ReadonlySet<OrderStatus> = new Set(['pending_payment', 'paid']);

/**
 * Compares one sale's Redis state with what Postgres holds. Orders younger than the grace
 * are still in the pipeline and are left out; everything older must agree. Redis is ahead
 * of Postgres by design, so where Redis holds more (a lost entry, a status Postgres has not
 * heard of) the fix is to send it again, which the idempotent writer makes safe. Where
 * Postgres holds what Redis does not, Redis lost writes: that is reported, for a rebuild.
 */
export function compareSale(input: AuditInput): AuditResult {
  const result: AuditResult = { discrepancies: [], resend: [] };
  const { counters: c, nowMs, graceMs } = input;
  const old = (ms: number) => nowMs - ms > graceMs;
  if (c.remaining + c.held + c.paid + c.rejected !== c.stock) {
    result.discrepancies.push({
      kind: 'balance',
      detail: `remaining ${c.remaining} + held ${c.held} + paid ${c.paid} + rejected ${c.rejected} != stock ${c.stock}`,
    });
  }
  const pg = new Map(input.postgres.map((o) => [o.orderId, o]));
  let redisLive = 0;
  let pgLive = 0;
  const redisIds = new Set<string>();
  for (const order of input.redis) {
    redisIds.add(order.orderId);
    if (!old(order.createdMs)) continue;
    const stored = pg.get(order.orderId);
    if (LIVE.has(order.status)) redisLive += order.quantity;
    if (order.status === 'pending_payment' && old(order.expiresMs)) {
      result.discrepancies.push({
        kind: 'unexpired',
        orderId: order.orderId,
        detail: `pending ${Math.round((nowMs - order.expiresMs) / 1000)} s past its deadline`,
      });
    }
    if (!stored) {
      result.discrepancies.push({
        kind: 'lost',
        orderId: order.orderId,
        detail: 'not in Postgres',
      });
      result.resend.push(order);
    } else if (stored.status !== order.status && stored.status !== 'rejected') {
      result.discrepancies.push({
        kind: 'status',
        orderId: order.orderId,
        detail: `Redis ${order.status}, Postgres ${stored.status}`,
      });
      if (stored.status === 'pending_payment') result.resend.push(order);
    }
  }
  for (const order of input.postgres) {
    if (!old(order.createdMs)) continue;
    if (LIVE.has(order.status)) pgLive += order.quantity;
    if (!redisIds.has(order.orderId)) {
      result.discrepancies.push({
        kind: 'orphan',
        orderId: order.orderId,
        detail: `${order.status} in Postgres, unknown to Redis`,
      });
    }
  }
  if (redisLive !== pgLive) {
    result.discrepancies.push({
      kind: 'units',
      detail: `live units of orders past the grace: Redis ${redisLive}, Postgres ${pgLive}`,
    });
  }
  return result;
}
