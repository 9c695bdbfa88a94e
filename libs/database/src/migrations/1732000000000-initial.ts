import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sales and orders. The constraints make bad rows impossible whatever the code does:
 * positive quantities and prices, a known status, a well-formed buyer id, one row per
 * order id (the pipeline's idempotency key), and no order without its sale.
 */
export class Initial1732000000000 implements MigrationInterface {
  name = 'Initial1732000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "sales" (
        "id" uuid NOT NULL,
        "name" text NOT NULL,
        "sku" text NOT NULL,
        "price" bigint NOT NULL,
        "stock" integer NOT NULL,
        "per_user_limit" integer NOT NULL,
        "starts_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "ends_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "sales_name_length" CHECK (char_length("name") BETWEEN 1 AND 200),
        CONSTRAINT "sales_sku_length" CHECK (char_length("sku") BETWEEN 1 AND 64),
        CONSTRAINT "sales_price_positive" CHECK ("price" > 0),
        CONSTRAINT "sales_stock_positive" CHECK ("stock" > 0),
        CONSTRAINT "sales_per_user_limit_positive" CHECK ("per_user_limit" > 0),
        CONSTRAINT "sales_window_ordered" CHECK ("ends_at" IS NULL OR "ends_at" > "starts_at"),
        CONSTRAINT "sales_pkey" PRIMARY KEY ("id")
      )`);
    await q.query(`
      CREATE TABLE "orders" (
        "id" uuid NOT NULL,
        "sale_id" uuid NOT NULL,
        "buyer_id" text NOT NULL,
        "quantity" integer NOT NULL,
        "unit_price" bigint NOT NULL,
        "status" text NOT NULL DEFAULT 'pending_payment',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE,
        "persisted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "orders_quantity_positive" CHECK ("quantity" > 0),
        CONSTRAINT "orders_unit_price_positive" CHECK ("unit_price" > 0),
        CONSTRAINT "orders_buyer_id_format" CHECK ("buyer_id" ~ '^[A-Za-z0-9_-]{1,64}$'),
        CONSTRAINT "orders_status_known" CHECK ("status" IN ('pending_payment', 'paid', 'cancelled', 'expired')),
        CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "orders_sale_buyer_idx" ON "orders" ("sale_id", "buyer_id")`);
    await q.query(`CREATE INDEX "orders_sale_status_idx" ON "orders" ("sale_id", "status")`);
    await q.query(
      `ALTER TABLE "orders" ADD CONSTRAINT "orders_sale_id_fkey" FOREIGN KEY ("sale_id") REFERENCES "sales"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "orders" DROP CONSTRAINT "orders_sale_id_fkey"`);
    await q.query(`DROP INDEX "orders_sale_status_idx"`);
    await q.query(`DROP INDEX "orders_sale_buyer_idx"`);
    await q.query(`DROP TABLE "orders"`);
    await q.query(`DROP TABLE "sales"`);
  }
}
