import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Postgres as the last guard against oversell: each sale counts the units of its live orders
 * (pending_payment or paid) and a CHECK keeps that count within the stock, whatever Redis
 * says. An order the worker could not fit becomes `rejected`, a terminal status.
 */
export class PostgresGuard1732500000000 implements MigrationInterface {
  name = 'PostgresGuard1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sales" ADD "live_units" integer NOT NULL DEFAULT 0`);
    // Sales that already have orders start from what Postgres holds; an oversold sale
    // (which the invariants forbid) fails the CHECK below and stops the migration loudly.
    await q.query(`
      UPDATE "sales" s SET "live_units" = o.units
      FROM (SELECT "sale_id", sum("quantity")::integer AS units FROM "orders"
            WHERE "status" IN ('pending_payment', 'paid') GROUP BY "sale_id") o
      WHERE o."sale_id" = s."id"`);
    await q.query(
      `ALTER TABLE "sales" ADD CONSTRAINT "sales_live_units_within_stock" CHECK ("live_units" >= 0 AND "live_units" <= "stock")`,
    );
    await q.query(`ALTER TABLE "orders" DROP CONSTRAINT "orders_status_known"`);
    await q.query(
      `ALTER TABLE "orders" ADD CONSTRAINT "orders_status_known" CHECK ("status" IN ('pending_payment', 'paid', 'cancelled', 'expired', 'rejected'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "orders" DROP CONSTRAINT "orders_status_known"`);
    await q.query(`UPDATE "orders" SET "status" = 'cancelled' WHERE "status" = 'rejected'`);
    await q.query(
      `ALTER TABLE "orders" ADD CONSTRAINT "orders_status_known" CHECK ("status" IN ('pending_payment', 'paid', 'cancelled', 'expired'))`,
    );
    await q.query(`ALTER TABLE "sales" DROP CONSTRAINT "sales_live_units_within_stock"`);
    await q.query(`ALTER TABLE "sales" DROP COLUMN "live_units"`);
  }
}
