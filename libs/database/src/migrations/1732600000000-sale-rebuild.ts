import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What rebuilding a sale's Redis state from Postgres needs:
 * - `redis_seq`: the highest outbox sequence number the worker has persisted. Redis counts
 *   every outbox entry of a sale; a Redis whose count is below this has lost writes.
 * - `orders.seq`: the sequence number of the entry that accepted the order. A Redis that lost
 *   writes hands the same numbers out again: an accepted order arriving with a number another
 *   order already has proves it, and the worker marks the sale (`regressed_at`).
 * - `orders_count`: the orders the pipeline wrote for the sale. Every one came through Redis,
 *   whose own count can never be below it: a rebuild that missed an order written late is
 *   found this way, and rebuilt again.
 * - `epoch`: how many times the sale's Redis state was rebuilt.
 * - `sale_rebuilds`: one row per rebuild, with the window in which accepted orders may have
 *   been lost with Redis, so their buyers get a truthful answer;
 * - `lost_orders`: each order id a buyer asked about that turned out lost, counted once.
 */
export class SaleRebuild1732600000000 implements MigrationInterface {
  name = 'SaleRebuild1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sales" ADD "redis_seq" bigint NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE "sales" ADD "epoch" integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE "sales" ADD "regressed_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "sales" ADD "orders_count" bigint NOT NULL DEFAULT 0`);
    await q.query(
      `UPDATE "sales" s SET "orders_count" = o.n FROM (SELECT "sale_id", count(*) AS n FROM "orders" GROUP BY "sale_id") o WHERE o."sale_id" = s."id"`,
    );
    await q.query(`ALTER TABLE "orders" ADD "seq" bigint`);
    await q.query(
      `CREATE INDEX "orders_sale_seq_idx" ON "orders" ("sale_id", "seq") WHERE "seq" IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE "sale_rebuilds" (
        "id" uuid NOT NULL,
        "sale_id" uuid NOT NULL,
        "epoch" integer NOT NULL,
        "reason" text NOT NULL,
        "redis_seq" bigint,
        "postgres_seq" bigint NOT NULL,
        "lost_from" TIMESTAMP WITH TIME ZONE NOT NULL,
        "lost_to" TIMESTAMP WITH TIME ZONE NOT NULL,
        "orders" integer NOT NULL,
        "live_units" integer NOT NULL,
        "started_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "finished_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "sale_rebuilds_reason_known" CHECK ("reason" IN ('missing', 'regressed', 'requested')),
        CONSTRAINT "sale_rebuilds_window_ordered" CHECK ("lost_to" >= "lost_from"),
        CONSTRAINT "sale_rebuilds_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "sale_rebuilds_sale_id_fkey" FOREIGN KEY ("sale_id") REFERENCES "sales"("id")
          ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(
      `CREATE INDEX "sale_rebuilds_window_idx" ON "sale_rebuilds" ("lost_from", "lost_to")`,
    );
    await q.query(`CREATE INDEX "sale_rebuilds_sale_idx" ON "sale_rebuilds" ("sale_id")`);
    await q.query(`
      CREATE TABLE "lost_orders" (
        "order_id" uuid NOT NULL,
        "rebuild_id" uuid NOT NULL,
        "reported_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "lost_orders_pkey" PRIMARY KEY ("order_id"),
        CONSTRAINT "lost_orders_rebuild_id_fkey" FOREIGN KEY ("rebuild_id") REFERENCES "sale_rebuilds"("id")
          ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(`CREATE INDEX "lost_orders_rebuild_idx" ON "lost_orders" ("rebuild_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "lost_orders"`);
    await q.query(`DROP TABLE "sale_rebuilds"`);
    await q.query(`DROP INDEX "orders_sale_seq_idx"`);
    await q.query(`ALTER TABLE "orders" DROP COLUMN "seq"`);
    await q.query(`ALTER TABLE "sales" DROP COLUMN "orders_count"`);
    await q.query(`ALTER TABLE "sales" DROP COLUMN "regressed_at"`);
    await q.query(`ALTER TABLE "sales" DROP COLUMN "epoch"`);
    await q.query(`ALTER TABLE "sales" DROP COLUMN "redis_seq"`);
  }
}
