import type { OutboxOrder } from '@flash/inventory';
import { ORDER_STATUSES } from './order-status';

/** One order as the Lua scripts recorded it in the outbox (decoded by outboxEntryCodec). */
export type AcceptedOrder = OutboxOrder;

/**
 * What travels through the BullMQ `orders` queue. In `batch` mode (the default) one job
 * carries up to RELAY_BATCH_SIZE orders read from the outbox together; in `order` mode
 * each job carries one order and its job id is the order id. Either way the order id is
 * the key of the idempotent write, so duplicates of a job or of an order make no new row.
 * `seal` is the enqueuer's HMAC of the orders (JobSeal): the worker writes no other job.
 */
export interface PersistOrdersJob {
  orders: AcceptedOrder[];
  seal: string;
}

export const PERSIST_ORDERS_JOB = 'persist-orders';

/** Expires the due orders of one sale; delayed until the deadline of a relayed batch. */
export interface ExpireDueJob {
  saleId: string;
}
export const EXPIRE_DUE_JOB = 'expire-due';

/** Repeating: expires whatever the delayed jobs missed, in every active sale. */
export const SWEEP_JOB = 'sweep-expired';

export type OrdersJobData = PersistOrdersJob | ExpireDueJob | Record<string, never>;

/** A job's data as the worker found it: what it may act on, or why it may not. */
export type JobReading<T> = { ok: true; data: T } | { ok: false; reason: string };

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BUYER = /^[A-Za-z0-9_-]{1,64}$/;
const FCODE_HASH = /^[0-9a-f]{64}$/;
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,128}$/;
const MAX_ORDERS_PER_JOB = 10_000;
const ORDER_FIELDS: ReadonlySet<string> = new Set([
  'orderId',
  'saleId',
  'buyerId',
  'quantity',
  'createdAtMs',
  'expiresAtMs',
  'status',
  'fcodeHash',
  'seq',
  'acceptanceSeq',
  'idempotencyKey',
]);

/**
 * Reads a persist-orders job's data without trusting it: every order whole and well formed,
 * nothing else in it. A job anyone could have added (the queue board) is checked here, and
 * its seal and its agreement with the sale's record by JobVetting.
 */
export function readPersistJob(data: unknown): JobReading<PersistOrdersJob> {
  if (!isRecord(data) || !Array.isArray(data.orders)) return refused('no orders array');
  const { orders, seal } = data;
  if (Object.keys(data).some((k) => k !== 'orders' && k !== 'seal'))
    return refused('unknown fields in the job');
  if (orders.length === 0 || orders.length > MAX_ORDERS_PER_JOB)
    return refused(`a job carries 1 to ${MAX_ORDERS_PER_JOB} orders`);
  for (const [i, order] of orders.entries()) {
    const problem = orderProblem(order);
    if (problem) return refused(`order ${i}: ${problem}`);
  }
  if (typeof seal !== 'string') return refused('unsealed');
  return { ok: true, data: { orders: orders as AcceptedOrder[], seal } };
}

/** Reads an expire-due job's data: a sale id and nothing else. */
export function readExpireDueJob(data: unknown): JobReading<ExpireDueJob> {
  if (!isRecord(data) || typeof data.saleId !== 'string' || !UUID.test(data.saleId))
    return refused('expire-due needs a sale id');
  if (Object.keys(data).length !== 1) return refused('unknown fields in the job');
  return { ok: true, data: { saleId: data.saleId } };
}

function orderProblem(order: unknown): string | null {
  if (!isRecord(order)) return 'not an object';
  const unknown = Object.keys(order).find((k) => !ORDER_FIELDS.has(k));
  if (unknown) return `unknown field ${unknown}`;
  if (typeof order.orderId !== 'string' || !UUID.test(order.orderId)) return 'bad orderId';
  if (typeof order.saleId !== 'string' || !UUID.test(order.saleId)) return 'bad saleId';
  if (typeof order.buyerId !== 'string' || !BUYER.test(order.buyerId)) return 'bad buyerId';
  if (!count(order.quantity, 1)) return 'bad quantity';
  if (!count(order.createdAtMs, 0) || !count(order.expiresAtMs, 0)) return 'bad times';
  if (!(ORDER_STATUSES as readonly unknown[]).includes(order.status)) return 'bad status';
  if (
    order.fcodeHash !== undefined &&
    !(typeof order.fcodeHash === 'string' && FCODE_HASH.test(order.fcodeHash))
  )
    return 'bad fcodeHash';
  if (order.seq !== undefined && !count(order.seq, 1)) return 'bad seq';
  if (order.acceptanceSeq !== undefined && !count(order.acceptanceSeq, 1))
    return 'bad acceptanceSeq';
  if (
    order.idempotencyKey !== undefined &&
    !(typeof order.idempotencyKey === 'string' && IDEMPOTENCY_KEY.test(order.idempotencyKey))
  )
    return 'bad idempotencyKey';
  return null;
}

function count(value: unknown, min: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refused<T>(reason: string): JobReading<T> {
  return { ok: false, reason };
}
