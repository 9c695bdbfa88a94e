import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the naive baseline (PURCHASE_STRATEGY=postgres) needs: a stock counter per sale that
 * purchases decrement under a row lock, and the buyer's Idempotency-Key on the order so a
 * replay finds its order in the same database. The Redis strategy leaves both alone.
 */
export class NaiveStock1732300000000 implements MigrationInterface {
  name = 'NaiveStock1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "sale_stock" (
        "sale_id" uuid NOT NULL,
        "remaining" integer NOT NULL,
        CONSTRAINT "sale_stock_remaining_not_negative" CHECK ("remaining" >= 0),
        CONSTRAINT "sale_stock_pkey" PRIMARY KEY ("sale_id"),
        CONSTRAINT "sale_stock_sale_id_fkey" FOREIGN KEY ("sale_id") REFERENCES "sales"("id")
          ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    // Sales created before this migration get their counter at full stock.
    await q.query(
      `INSERT INTO "sale_stock" ("sale_id", "remaining") SELECT "id", "stock" FROM "sales"`,
    );
    await q.query(`ALTER TABLE "orders" ADD "idempotency_key" text`);
    await q.query(
      `CREATE UNIQUE INDEX "orders_idempotency_key_idx" ON "orders" ("sale_id", "buyer_id", "idempotency_key") WHERE "idempotency_key" IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "orders_idempotency_key_idx"`);
    await q.query(`ALTER TABLE "orders" DROP COLUMN "idempotency_key"`);
    await q.query(`DROP TABLE "sale_stock"`);
  }
}
