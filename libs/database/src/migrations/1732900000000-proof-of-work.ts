import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The proof-of-work gate: a sale with a difficulty asks every registration and queue join for
 * a solved challenge of that many leading zero bits. Null: no gate. Fixed at creation.
 */
export class ProofOfWork1732900000000 implements MigrationInterface {
  name = 'ProofOfWork1732900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sales" ADD "pow_difficulty" integer`);
    await q.query(
      `ALTER TABLE "sales" ADD CONSTRAINT "sales_pow_difficulty_range" CHECK ("pow_difficulty" IS NULL OR "pow_difficulty" BETWEEN 1 AND 32)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sales" DROP CONSTRAINT "sales_pow_difficulty_range"`);
    await q.query(`ALTER TABLE "sales" DROP COLUMN "pow_difficulty"`);
  }
}
