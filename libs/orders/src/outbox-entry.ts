import type { AcceptedOrder } from './order-job';
import { ORDER_STATUSES, OrderStatus } from './order-status';

/**
 * The fields purchase.lua and close-order.lua write to a sale's outbox stream, decoded in one
 * place. Every entry carries the whole order, so Postgres converges whatever order the
 * entries arrive in:
 *   order, buyer, quantity, at (accepted, ms), expires (deadline, ms), status,
 *   fcode (hash or ""), seq (the sale's outbox sequence), idem (Idempotency-Key or "").
 * Entries written before seq and idem existed decode without them.
 */
export function decodeOutboxEntry(saleId: string, fields: readonly string[]): AcceptedOrder {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  const status = map.get('status') ?? 'pending_payment';
  if (!(ORDER_STATUSES as readonly string[]).includes(status)) {
    throw new Error(`outbox entry with unknown status "${status}"`);
  }
  const order: AcceptedOrder = {
    orderId: map.get('order') ?? '',
    saleId,
    buyerId: map.get('buyer') ?? '',
    quantity: Number(map.get('quantity')),
    createdAtMs: Number(map.get('at')),
    expiresAtMs: Number(map.get('expires')),
    status: status as OrderStatus,
  };
  const fcode = map.get('fcode');
  if (fcode) order.fcodeHash = fcode;
  const seq = Number(map.get('seq'));
  if (Number.isSafeInteger(seq) && seq > 0) {
    order.seq = seq;
    if (order.status === 'pending_payment') order.acceptanceSeq = seq;
  }
  const idem = map.get('idem');
  if (idem) order.idempotencyKey = idem;
  return order;
}
