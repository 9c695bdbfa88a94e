import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Xiaomi's sale mechanics, each switched on per sale: appointments (a registration window
 * and the registrations), F-codes (stored only as SHA-256 hashes; the order that redeemed
 * one names it) and the waiting room's admission rate and admission-token lifetime.
 */
export class SaleMechanics1732400000000 implements MigrationInterface {
  name = 'SaleMechanics1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sales" ADD "registration_opens_at" timestamptz`);
    await q.query(`ALTER TABLE "sales" ADD "registration_closes_at" timestamptz`);
    await q.query(`ALTER TABLE "sales" ADD "priority_starts_at" timestamptz`);
    await q.query(`ALTER TABLE "sales" ADD "admission_rate" integer`);
    await q.query(`ALTER TABLE "sales" ADD "admission_ttl_seconds" integer`);
    await q.query(
      `ALTER TABLE "sales" ADD CONSTRAINT "sales_registration_window" CHECK ("registration_opens_at" IS NULL OR ("registration_closes_at" > "registration_opens_at" AND "registration_closes_at" <= "starts_at"))`,
    );
    await q.query(
      `ALTER TABLE "sales" ADD CONSTRAINT "sales_priority_before_start" CHECK ("priority_starts_at" IS NULL OR "priority_starts_at" <= "starts_at")`,
    );
    await q.query(
      `ALTER TABLE "sales" ADD CONSTRAINT "sales_waiting_room_settings" CHECK (("admission_rate" IS NULL AND "admission_ttl_seconds" IS NULL) OR ("admission_rate" > 0 AND "admission_ttl_seconds" > 0))`,
    );
    await q.query(`
      CREATE TABLE "registrations" (
        "sale_id" uuid NOT NULL,
        "buyer_id" text NOT NULL,
        "registered_at" timestamptz NOT NULL,
        CONSTRAINT "registrations_buyer_id_format" CHECK ("buyer_id" ~ '^[A-Za-z0-9_-]{1,64}$'),
        CONSTRAINT "registrations_pkey" PRIMARY KEY ("sale_id", "buyer_id"),
        CONSTRAINT "registrations_sale_id_fkey" FOREIGN KEY ("sale_id") REFERENCES "sales"("id")
          ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(`
      CREATE TABLE "fcodes" (
        "code_hash" text NOT NULL,
        "sale_id" uuid NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "fcodes_code_hash_format" CHECK ("code_hash" ~ '^[0-9a-f]{64}$'),
        CONSTRAINT "fcodes_pkey" PRIMARY KEY ("code_hash"),
        CONSTRAINT "fcodes_sale_id_fkey" FOREIGN KEY ("sale_id") REFERENCES "sales"("id")
          ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(`CREATE INDEX "fcodes_sale_idx" ON "fcodes" ("sale_id")`);
    await q.query(`ALTER TABLE "orders" ADD "fcode_hash" text`);
    await q.query(
      `CREATE INDEX "orders_fcode_hash_idx" ON "orders" ("fcode_hash") WHERE "fcode_hash" IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "orders_fcode_hash_idx"`);
    await q.query(`ALTER TABLE "orders" DROP COLUMN "fcode_hash"`);
    await q.query(`DROP TABLE "fcodes"`);
    await q.query(`DROP TABLE "registrations"`);
    await q.query(`ALTER TABLE "sales" DROP CONSTRAINT "sales_waiting_room_settings"`);
    await q.query(`ALTER TABLE "sales" DROP CONSTRAINT "sales_priority_before_start"`);
    await q.query(`ALTER TABLE "sales" DROP CONSTRAINT "sales_registration_window"`);
    for (const column of [
      'admission_ttl_seconds',
      'admission_rate',
      'priority_starts_at',
      'registration_closes_at',
      'registration_opens_at',
    ]) {
      await q.query(`ALTER TABLE "sales" DROP COLUMN "${column}"`);
    }
  }
}
