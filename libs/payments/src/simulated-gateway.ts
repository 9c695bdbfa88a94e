import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { request } from 'undici';
import { APP_CONFIG, AppConfig } from '@flash/config';
import {
  ChargeRecord,
  ChargeRequest,
  ChargeResult,
  PaymentProvider,
  PaymentUnavailableError,
  WebhookHeaders,
  WebhookReading,
} from './payment-provider';
import { WebhookEvent, readSimulatedWebhook } from './simulated-webhook';
import { SIGNATURE_HEADER, signPayload } from './webhook-signature';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A payment gateway in a box, shaped like a real one: configurable latency, decline and
 * failure rates; idempotency keys (a key charges at most once, and asking again returns the
 * first result); refunds at most once; and an asynchronous, HMAC-signed webhook for every
 * successful charge, retried until the receiver answers 2xx. Its ledger is a table of its
 * own, so tests can count what was charged.
 */
@Injectable()
export class SimulatedGateway extends PaymentProvider implements OnApplicationShutdown {
  private readonly logger = new Logger(SimulatedGateway.name);
  private readonly deliveries = new Set<Promise<void>>();
  /** Aborts the waits of undelivered webhooks at shutdown (a real provider would retry later). */
  private readonly stopping = new AbortController();

  /**
   * The gateway is another company's system: it gets its own connection pool. Its ledger
   * commits asynchronously (synchronous_commit off): uniqueness still holds, and a
   * simulation need not wait for this machine's disk on every charge.
   */
  private readonly db: Pool;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
    this.db = new Pool({
      connectionString: config.databaseUrl,
      max: 20,
      options: `-c search_path=${config.databaseSchema} -c synchronous_commit=off`,
      // Named per schema, so one install's connections can be told from another's.
      application_name: `simulated-gateway:${config.databaseSchema}`,
    });
    // An idle connection dropped by a restarting Postgres is an 'error' on the pool: without a
    // listener it would crash the process. The pool opens a new connection when next asked.
    this.db.on('error', (err) =>
      this.logger.warn(`gateway ledger connection lost: ${err.message}`),
    );
  }

  async charge(req: ChargeRequest): Promise<ChargeResult> {
    const sim = this.config.payments;
    await sleep(sim.latencyMs);
    if (Math.random() < sim.failureRate)
      throw new PaymentUnavailableError('simulated gateway failure');
    const status = Math.random() < sim.declineRate ? 'declined' : 'succeeded';
    const { rows } = await this.db.query<{
      id: string;
      status: ChargeResult['status'];
      inserted: boolean;
    }>(
      `WITH inserted AS (
         INSERT INTO "gateway_charges" ("id", "idempotency_key", "order_id", "amount", "status")
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT ("idempotency_key") DO NOTHING
         RETURNING "id", "status", true AS inserted)
       SELECT * FROM inserted
       UNION ALL
       SELECT "id", "status", false FROM "gateway_charges" WHERE "idempotency_key" = $2
       LIMIT 1`,
      [randomUUID(), req.idempotencyKey, req.orderId, req.amount, status],
    );
    // A concurrent first charge with the same key may commit after this statement's snapshot.
    const charge = rows[0] ?? (await this.existing(req.idempotencyKey));
    if (charge.inserted && charge.status === 'succeeded') {
      this.deliver({
        id: `evt_${randomUUID()}`,
        type: 'charge.succeeded',
        created: Math.floor(Date.now() / 1000),
        data: { chargeId: charge.id, orderId: req.orderId, amount: req.amount },
      });
    }
    return { chargeId: charge.id, status: charge.status };
  }

  private async existing(idempotencyKey: string) {
    const { rows } = await this.db.query<{ id: string; status: ChargeResult['status'] }>(
      `SELECT "id", "status" FROM "gateway_charges" WHERE "idempotency_key" = $1`,
      [idempotencyKey],
    );
    if (!rows[0]) throw new PaymentUnavailableError('charge neither inserted nor found');
    return { ...rows[0], inserted: false };
  }

  async refund(chargeId: string): Promise<void> {
    await this.db.query(
      `UPDATE "gateway_charges" SET "status" = 'refunded', "refunded_at" = now() WHERE "id" = $1 AND "status" = 'succeeded'`,
      [chargeId],
    );
  }

  async findCharge(chargeId: string): Promise<ChargeRecord | null> {
    if (!UUID.test(chargeId)) return null;
    const { rows } = await this.db.query<{
      id: string;
      order_id: string;
      amount: string;
      status: ChargeResult['status'];
    }>(`SELECT "id", "order_id", "amount", "status" FROM "gateway_charges" WHERE "id" = $1`, [
      chargeId,
    ]);
    const row = rows[0];
    if (!row) return null;
    return {
      chargeId: row.id,
      orderId: row.order_id,
      amount: Number(row.amount),
      currency: this.config.payments.currency,
      status: row.status,
    };
  }

  readWebhook(rawBody: Buffer, headers: WebhookHeaders): WebhookReading {
    const { webhookSecret, webhookToleranceSeconds, currency } = this.config.payments;
    return readSimulatedWebhook(webhookSecret, webhookToleranceSeconds, currency, rawBody, headers);
  }

  async refundOrder(orderId: string): Promise<number> {
    const { rowCount } = await this.db.query(
      `UPDATE "gateway_charges" SET "status" = 'refunded', "refunded_at" = now() WHERE "order_id" = $1 AND "status" = 'succeeded'`,
      [orderId],
    );
    return rowCount ?? 0;
  }

  /** Sends the event after the configured delay; retries with backoff until 2xx. */
  private deliver(event: WebhookEvent): void {
    const signal = this.stopping.signal;
    const run = (async () => {
      await sleep(this.config.payments.webhookDelayMs, undefined, { signal });
      const body = JSON.stringify(event);
      for (let attempt = 0; attempt < 8 && !signal.aborted; attempt++) {
        try {
          const signature = signPayload(
            this.config.payments.webhookSecret,
            body,
            Math.floor(Date.now() / 1000),
          );
          const res = await request(this.config.payments.webhookUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
            body,
          });
          await res.body.dump();
          if (res.statusCode < 300) return;
          if (res.statusCode < 500 && res.statusCode !== 429) {
            this.logger.warn(`webhook ${event.id} refused with ${res.statusCode}; not retrying`);
            return;
          }
        } catch (err) {
          this.logger.warn(`webhook ${event.id} failed: ${(err as Error).message}`);
        }
        await sleep(200 * 2 ** attempt, undefined, { signal });
      }
    })().catch((err: Error) => {
      if (err.name !== 'AbortError')
        this.logger.warn(`webhook ${event.id} dropped: ${err.message}`);
    });
    this.deliveries.add(run);
    void run.finally(() => this.deliveries.delete(run));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.deliveries]);
    await this.db.end();
  }
}
