import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hot-SKU shards: a sale's stock split over `shards` inventory shards in Redis, each under a
 * hash tag of its own (1, the default, is an unsharded sale). Fixed when the sale is created.
 */
export class InventoryShards1732700000000 implements MigrationInterface {
  name = 'InventoryShards1732700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sales" ADD "shards" integer NOT NULL DEFAULT 1`);
    await q.query(
      `ALTER TABLE "sales" ADD CONSTRAINT "sales_shards_range" CHECK ("shards" BETWEEN 1 AND 64 AND ("shards" = 1 OR "shards" <= "stock"))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sales" DROP CONSTRAINT "sales_shards_range"`);
    await q.query(`ALTER TABLE "sales" DROP COLUMN "shards"`);
  }
}
