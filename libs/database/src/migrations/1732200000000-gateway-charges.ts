import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The simulated payment gateway's ledger: one row per idempotency key. */
export class GatewayCharges1732200000000 implements MigrationInterface {
  name = 'GatewayCharges1732200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "gateway_charges" (
        "id" uuid NOT NULL,
        "idempotency_key" text NOT NULL,
        "order_id" uuid NOT NULL,
        "amount" bigint NOT NULL,
        "status" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "refunded_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "gateway_charges_idempotency_key_key" UNIQUE ("idempotency_key"),
        CONSTRAINT "gateway_charges_amount_positive" CHECK ("amount" > 0),
        CONSTRAINT "gateway_charges_status_known" CHECK ("status" IN ('succeeded', 'declined', 'refunded')),
        CONSTRAINT "gateway_charges_pkey" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "gateway_charges_order_idx" ON "gateway_charges" ("order_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "gateway_charges_order_idx"`);
    await q.query(`DROP TABLE "gateway_charges"`);
  }
}
