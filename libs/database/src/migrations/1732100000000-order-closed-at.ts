import type { MigrationInterface, QueryRunner } from 'typeorm';

/** When Postgres learnt that an order left pending_payment: the lag of the status pipeline. */
export class OrderClosedAt1732100000000 implements MigrationInterface {
  name = 'OrderClosedAt1732100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "orders" ADD "closed_at" TIMESTAMP WITH TIME ZONE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "orders" DROP COLUMN "closed_at"`);
  }
}
