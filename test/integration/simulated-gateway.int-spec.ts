import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AppConfig } from '@flash/config';
import { PaymentUnavailableError, SimulatedGateway } from '@flash/payments';
import { destroyWorld, migrate, newWorld, sqlClient } from '../support/test-env';

/** The simulated gateway's promises, against its real ledger in Postgres. */
describe('SimulatedGateway', () => {
  const world = newWorld({
    PAYMENT_SIM_LATENCY_MS: '0',
    PAYMENT_WEBHOOK_URL: 'http://127.0.0.1:9/unused',
  });
  let sql: Client;

  beforeAll(async () => {
    await migrate(world);
    sql = await sqlClient(world);
  });
  afterAll(async () => {
    await sql.end();
    await destroyWorld(world);
  });

  const gateway = (payments: Partial<AppConfig['payments']> = {}) =>
    new SimulatedGateway({
      ...world.config,
      payments: { ...world.config.payments, webhookDelayMs: 600_000, ...payments },
    });

  it('charges a key once, however many times and however concurrently it is asked', async () => {
    const g = gateway();
    const orderId = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        g.charge({ idempotencyKey: `order:${orderId}`, orderId, amount: 199_900 }),
      ),
    );
    expect(new Set(results.map((r) => r.chargeId)).size).toBe(1);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    const { rows } = await sql.query(
      `SELECT count(*)::int AS n, sum(amount)::int AS total FROM gateway_charges WHERE order_id = $1`,
      [orderId],
    );
    expect(rows[0]).toEqual({ n: 1, total: 199_900 });
    await g.onApplicationShutdown();
  });

  it('refunds at most once, and a refunded key stays refunded', async () => {
    const g = gateway();
    const orderId = randomUUID();
    const { chargeId } = await g.charge({
      idempotencyKey: `order:${orderId}`,
      orderId,
      amount: 100,
    });
    await Promise.all([g.refund(chargeId), g.refund(chargeId)]);
    const again = await g.charge({ idempotencyKey: `order:${orderId}`, orderId, amount: 100 });
    expect(again).toEqual({ chargeId, status: 'refunded' });
    const { rows } = await sql.query(
      `SELECT status, refunded_at IS NOT NULL AS refunded FROM gateway_charges WHERE id = $1`,
      [chargeId],
    );
    expect(rows).toEqual([{ status: 'refunded', refunded: true }]);
    await g.onApplicationShutdown();
  });

  it('declines and fails at the configured rates', async () => {
    const declining = gateway({ declineRate: 1 });
    const orderId = randomUUID();
    expect(
      (await declining.charge({ idempotencyKey: `order:${orderId}`, orderId, amount: 100 })).status,
    ).toBe('declined');
    const failing = gateway({ failureRate: 1 });
    const other = randomUUID();
    await expect(
      failing.charge({ idempotencyKey: `order:${other}`, orderId: other, amount: 100 }),
    ).rejects.toBeInstanceOf(PaymentUnavailableError);
    const { rows } = await sql.query(
      `SELECT count(*)::int AS n FROM gateway_charges WHERE order_id = $1`,
      [other],
    );
    expect(rows[0].n).toBe(0);
  });

  it('survives Postgres dropping its idle connections (a restart), and charges again after', async () => {
    const g = gateway();
    const first = randomUUID();
    await g.charge({ idempotencyKey: `order:${first}`, orderId: first, amount: 100 });
    // What a restarting Postgres does to every idle connection of the gateway's pool (this
    // world's only: other tests share the server).
    const { rows } = await sql.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
       WHERE application_name = $1 AND pid <> pg_backend_pid()`,
      [`simulated-gateway:${world.config.databaseSchema}`],
    );
    expect(rows.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    const second = randomUUID();
    const charged = await g.charge({
      idempotencyKey: `order:${second}`,
      orderId: second,
      amount: 100,
    });
    expect(charged.status).toBe('succeeded');
    await g.onApplicationShutdown();
  });
});
