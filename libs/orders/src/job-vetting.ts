import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { LedgerEntry, OrderLedger } from '@flash/inventory';
import { JobSeal } from './job-seal';
import { AcceptedOrder, readPersistJob } from './order-job';

/** Why a job was refused: a label for the metric, and words for the log and the failed job. */
export type RefusalKind = 'malformed' | 'unsealed' | 'unknown_sale' | 'disagrees';
export type Vetting =
  | { ok: true; orders: AcceptedOrder[] }
  | { ok: false; kind: RefusalKind; reason: string };

/** Marks a job the worker refused: it fails once, and the dead-letter replay leaves it. */
export const REFUSED_PREFIX = 'refused:';

/**
 * The worker's checks on a persistence job before any of it reaches Postgres. The queue is
 * a door anyone with access to its Redis (or to the queue board) can write to, so a job is
 * taken at its word only when:
 * 1. its data is whole and well formed (readPersistJob);
 * 2. it carries the seal of the relay or auditor that read it from a sale's outbox (JobSeal);
 * 3. each of its sales exists;
 * 4. each order agrees with what its sale recorded in Redis, where Redis still has it
 *    (ledgerDisagreement). Redis may have lost an order (a restart with no persistence, a
 *    failover to a lagging replica) that a sealed job still carries: the job is then its
 *    only record and is written, Postgres's stock guard deciding as ever.
 */
@Injectable()
export class JobVetting {
  private readonly seal: JobSeal;
  /** Sales never go away: a known sale's shard count is read from Postgres once. */
  private readonly shardsOf = new Map<string, number>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly ledger: OrderLedger,
    private readonly db: DataSource,
  ) {
    this.seal = new JobSeal(config.queue.sealSecret);
  }

  async vet(data: unknown): Promise<Vetting> {
    const reading = readPersistJob(data);
    if (!reading.ok) return { ok: false, kind: 'malformed', reason: reading.reason };
    const { orders, seal } = reading.data;
    if (!this.seal.holds(orders, seal))
      return { ok: false, kind: 'unsealed', reason: 'not sealed by this install' };
    const bySale = new Map<string, AcceptedOrder[]>();
    for (const order of orders)
      bySale.set(order.saleId, [...(bySale.get(order.saleId) ?? []), order]);
    const shards = await this.saleShards([...bySale.keys()]);
    for (const [saleId, saleOrders] of bySale) {
      const count = shards.get(saleId);
      if (count === undefined)
        return { ok: false, kind: 'unknown_sale', reason: `no sale ${saleId}` };
      const entries = await this.ledger.read(saleId, count, saleOrders);
      for (const order of saleOrders) {
        const problem = ledgerDisagreement(order, entries.get(order.orderId));
        if (problem)
          return { ok: false, kind: 'disagrees', reason: `order ${order.orderId}: ${problem}` };
      }
    }
    return { ok: true, orders };
  }

  private async saleShards(saleIds: string[]): Promise<Map<string, number>> {
    const unknown = saleIds.filter((id) => !this.shardsOf.has(id));
    if (unknown.length > 0) {
      const rows: { id: string; shards: number }[] = await this.db.query(
        `SELECT "id", "shards" FROM "sales" WHERE "id" = ANY($1::uuid[])`,
        [unknown],
      );
      if (this.shardsOf.size > 10_000) this.shardsOf.clear();
      for (const row of rows) this.shardsOf.set(row.id, row.shards);
    }
    const found = new Map<string, number>();
    for (const id of saleIds) {
      const count = this.shardsOf.get(id);
      if (count !== undefined) found.set(id, count);
    }
    return found;
  }
}

/**
 * Where an order in a job contradicts its sale's record, in words; null where it agrees or
 * the record is gone. A hold is the order as accepted; a status other than pending must be
 * the one close-order.lua recorded. `rejected` is Postgres's verdict, recorded over pending
 * or paid: every entry of a rejected order goes on, so a payment that came after it is seen
 * by the writer and refunded.
 */
export function ledgerDisagreement(
  order: AcceptedOrder,
  entry: LedgerEntry | undefined,
): string | null {
  const hold = entry?.hold ?? null;
  const closed = entry?.closed ?? null;
  if (hold) {
    if (hold.buyerId !== order.buyerId) return 'another buyer holds it';
    if (hold.quantity !== order.quantity)
      return `the sale holds ${hold.quantity} units, not ${order.quantity}`;
    if (hold.createdAt.getTime() !== order.createdAtMs) return 'accepted at another time';
    if (hold.expiresAt.getTime() !== order.expiresAtMs) return 'another payment deadline';
    if ((hold.fcodeHash ?? '') !== (order.fcodeHash ?? '')) return 'another F-code';
  }
  if (order.status === 'pending_payment' || closed === 'rejected') return null;
  if (closed !== null && closed !== order.status) return `the sale recorded it ${closed}`;
  if (closed === null && hold !== null) return `the sale has it pending, not ${order.status}`;
  return null;
}
