import { randomUUID } from 'node:crypto';
import { ReplicaAcks } from '@flash/inventory';
import { OutboxRelay } from '@flash/orders';
import { PaymentProvider } from '@flash/payments';
import { WorkerMetrics } from '../../apps/worker/src/worker-metrics';
import { until } from '../support/client';
import { WorkerWorld, startWorkerWorld, stopWorkerWorld } from '../support/worker-world';

/**
 * Postgres is the last guard: a Redis that sells more than the stock (it came back with
 * stale state, or a replica that missed writes was promoted) cannot make Postgres record
 * more live units than the sale has. The overflow is rejected, the buyers see it, and
 * nothing stays charged for it.
 */
describe('Postgres as the last guard against oversell', () => {
  let w: WorkerWorld;
  let relay: OutboxRelay | undefined;

  beforeAll(async () => {
    // No recovery loop: this test makes Redis and Postgres disagree on purpose.
    w = await startWorkerWorld({ RELAY_CLAIM_IDLE_MS: '300', REBUILD_AUTO: 'false' });
  });

  afterAll(async () => {
    await relay?.onApplicationShutdown();
    await stopWorkerWorld(w);
  });

  it('rejects what Redis oversold, tells the buyers, and refunds any payment for it', async () => {
    const { world, worker, queue, sql, keys, inventory } = w;
    const saleId = randomUUID();
    const stock = 5;
    await sql.query(
      `INSERT INTO sales (id, name, sku, price, stock, per_user_limit, starts_at) VALUES ($1, 'M1', 'MI1', 199900, $2, 1, now())`,
      [saleId, stock],
    );
    // Redis believes there are twice as many units: it lost the record of earlier sales.
    const now = await inventory.now();
    await inventory.arm({
      saleId,
      stock: stock * 2,
      perUserLimit: 1,
      startsAt: new Date(now - 1000),
      endsAt: null,
    });
    const accepted: string[] = [];
    for (let i = 0; i < stock * 2; i++) {
      const r = await inventory.purchase({
        saleId,
        buyerId: `buyer${i}`,
        quantity: 1,
        orderId: randomUUID(),
        paymentWindowMs: 60_000,
      });
      if (r.kind !== 'accepted') throw new Error(`refused: ${r.kind}`);
      accepted.push(r.orderId);
      await new Promise((resolve) => setTimeout(resolve, 2)); // distinct acceptance times
    }

    // Two buyers pay before the worker sees anything: one within the stock, one beyond it.
    const gateway = worker.get(PaymentProvider);
    for (const orderId of [accepted[0], accepted[stock + 1]]) {
      const charge = await gateway.charge({
        idempotencyKey: `order:${orderId}`,
        orderId,
        amount: 199900,
      });
      expect(charge.status).toBe('succeeded');
      expect((await inventory.closeOrder(saleId, orderId, 'paid')).status).toBe('paid');
    }

    relay = new OutboxRelay(
      world.config,
      keys,
      queue,
      new ReplicaAcks(world.config, keys, w.redis),
    );
    relay.onApplicationBootstrap();
    await until(async () => {
      const { rows } = await sql.query(
        `SELECT count(*)::int AS n FROM orders WHERE sale_id = $1 AND status IN ('paid', 'rejected', 'pending_payment')`,
        [saleId],
      );
      return rows[0].n === accepted.length;
    });
    // Redis hears of every rejection (the outbox carries them back: they change nothing).
    await until(async () => {
      const statuses = await Promise.all(accepted.map((id) => inventory.findOrder(id, saleId)));
      return statuses.filter((o) => o?.status === 'rejected').length === stock;
    });

    const { rows } = await sql.query(
      `SELECT id, status FROM orders WHERE sale_id = $1 ORDER BY created_at, id`,
      [saleId],
    );
    const status = new Map(rows.map((r: { id: string; status: string }) => [r.id, r.status]));
    // First accepted, first served: the stock goes to the earliest orders.
    expect(accepted.slice(0, stock).map((id) => status.get(id))).toEqual([
      'paid',
      'pending_payment',
      'pending_payment',
      'pending_payment',
      'pending_payment',
    ]);
    expect(accepted.slice(stock).every((id) => status.get(id) === 'rejected')).toBe(true);
    const sale = await sql.query(`SELECT live_units FROM sales WHERE id = $1`, [saleId]);
    expect(sale.rows[0].live_units).toBe(stock);

    // Nothing stays charged for a rejected order; the paid order within the stock keeps its charge.
    const charges = await sql.query(
      `SELECT order_id, status FROM gateway_charges WHERE order_id = ANY($1::uuid[])`,
      [[accepted[0], accepted[stock + 1]]],
    );
    const chargeOf = new Map(
      charges.rows.map((r: { order_id: string; status: string }) => [r.order_id, r.status]),
    );
    expect(chargeOf.get(accepted[0])).toBe('succeeded');
    expect(chargeOf.get(accepted[stock + 1])).toBe('refunded');

    // A rejected order cannot be paid in Redis any more.
    expect((await inventory.closeOrder(saleId, accepted[stock], 'paid')).status).toBe('rejected');
    const metrics = worker.get(WorkerMetrics);
    expect((await metrics.rejected.get()).values[0]?.value).toBe(stock);
    expect((await metrics.refundedAfterRejection.get()).values[0]?.value).toBe(1);
  });
});
