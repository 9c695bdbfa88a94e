import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operator's list of a sale's orders, newest first: order ids are UUIDv7, so the id
 * orders them by acceptance, and a page is one range scan of this index from the cursor.
 */
export class OrderList1732800000000 implements MigrationInterface {
  name = 'OrderList1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "orders_sale_id_idx" ON "orders" ("sale_id", "id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "orders_sale_id_idx"`);
  }
}
