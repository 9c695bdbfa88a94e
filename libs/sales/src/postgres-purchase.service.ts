import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryRunner } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { PurchaseOutcome, PurchaseRequest, PurchaseStrategy } from './purchase-strategy';
import { SalesService } from './sales.service';

const UNIQUE_VIOLATION = '23505';

/**
 * The naive baseline (PURCHASE_STRATEGY=postgres), kept to measure the design against:
 * each attempt takes the sale's stock row lock in Postgres and holds it until its order
 * row is committed, so every purchase of a sale waits for the one before it. Correct,
 * and exactly as fast as one row lock plus a synchronous commit allow.
 *
 * Only the purchase path is modelled: pay, cancel and expiry belong to the Redis design.
 */
@Injectable()
export class PostgresPurchaseService extends PurchaseStrategy {
  readonly name = 'postgres';
  private readonly paymentWindowSeconds: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly sales: SalesService,
  ) {
    super();
    this.paymentWindowSeconds = config.paymentWindowSeconds;
  }

  async purchase(req: PurchaseRequest): Promise<PurchaseOutcome> {
    if (!(await this.sales.find(req.saleId))) return { kind: 'not_found' };
    // The baseline models the bare purchase: its sales take no F-codes (nor any other gate).
    if (req.fcodeHash !== undefined) return { kind: 'fcode_invalid' };
    if (req.idempotencyKey !== undefined) {
      const earlier = await this.replay(this.dataSource, req);
      if (earlier) return earlier;
    }
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const outcome = await this.inTransaction(runner, req);
      if (outcome.kind === 'accepted') await runner.commitTransaction();
      else await runner.rollbackTransaction();
      return outcome;
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      // A concurrent request with the same key committed first: answer with its order.
      if (isUniqueViolation(err) && req.idempotencyKey !== undefined) {
        const earlier = await this.replay(this.dataSource, req);
        if (earlier) return earlier;
      }
      throw err;
    } finally {
      await runner.release();
    }
  }

  private async inTransaction(runner: QueryRunner, req: PurchaseRequest): Promise<PurchaseOutcome> {
    // The row lock taken here is what serialises the whole sale.
    // Structured, for the affected count (TypeORM answers an UPDATE as [rows, count] otherwise).
    const taken = await runner.query(
      `UPDATE "sale_stock" st SET "remaining" = st."remaining" - $2
       FROM "sales" s
       WHERE st."sale_id" = $1 AND s."id" = st."sale_id" AND st."remaining" >= $2
         AND s."starts_at" <= now() AND (s."ends_at" IS NULL OR now() < s."ends_at")`,
      [req.saleId, req.quantity],
      true,
    );
    if (taken.affected !== 1) return this.refusal(runner, req.saleId);

    // Under the lock, every earlier purchase of this sale has committed or rolled back, so
    // this count cannot race another request of the same buyer.
    const [bought] = (await runner.query(
      `SELECT coalesce(sum(o."quantity"), 0)::int AS units, s."per_user_limit"
       FROM "sales" s
       LEFT JOIN "orders" o ON o."sale_id" = s."id" AND o."buyer_id" = $2
         AND o."status" IN ('pending_payment', 'paid')
       WHERE s."id" = $1
       GROUP BY s."per_user_limit"`,
      [req.saleId, req.buyerId],
    )) as { units: number; per_user_limit: number }[];
    if (bought.units + req.quantity > bought.per_user_limit) return { kind: 'limit_reached' };

    const orderId = randomUUID();
    await runner.query(
      `INSERT INTO "orders" ("id", "sale_id", "buyer_id", "quantity", "unit_price", "status",
                             "created_at", "expires_at", "persisted_at", "idempotency_key")
       SELECT $1, s."id", $3, $4, s."price", 'pending_payment',
              now(), now() + make_interval(secs => $5), now(), $6
       FROM "sales" s WHERE s."id" = $2`,
      [
        orderId,
        req.saleId,
        req.buyerId,
        req.quantity,
        this.paymentWindowSeconds,
        req.idempotencyKey ?? null,
      ],
    );
    return { kind: 'accepted', orderId, quantity: req.quantity, replayed: false };
  }

  /** Why the decrement matched no row: not open yet, over, or not enough stock. */
  private async refusal(runner: QueryRunner, saleId: string): Promise<PurchaseOutcome> {
    const [sale] = (await runner.query(
      `SELECT now() < "starts_at" AS early, ("ends_at" IS NOT NULL AND now() >= "ends_at") AS late
       FROM "sales" WHERE "id" = $1`,
      [saleId],
    )) as { early: boolean; late: boolean }[];
    if (!sale) return { kind: 'not_found' };
    if (sale.early) return { kind: 'not_started' };
    if (sale.late) return { kind: 'ended' };
    return { kind: 'sold_out', fromMemory: false };
  }

  private async replay(
    db: DataSource,
    req: PurchaseRequest,
  ): Promise<Extract<PurchaseOutcome, { kind: 'accepted' }> | null> {
    const [order] = await db.query<{ id: string; quantity: number }[]>(
      `SELECT "id", "quantity" FROM "orders"
       WHERE "sale_id" = $1 AND "buyer_id" = $2 AND "idempotency_key" = $3`,
      [req.saleId, req.buyerId, req.idempotencyKey],
    );
    return order
      ? { kind: 'accepted', orderId: order.id, quantity: order.quantity, replayed: true }
      : null;
  }
}

function isUniqueViolation(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION
  );
}
