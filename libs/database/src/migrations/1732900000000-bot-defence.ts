import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Defences against bots, fixed when a sale is created:
 * - `pow_difficulty`: the proof-of-work gate asks every registration and queue join for a
 *   solved challenge of that many leading zero bits (null: no gate);
 * - `pre_queue`: whether a waiting room takes buyers before the opening into a pre-queue
 *   shuffled at the opening (true), or opens at the opening, first come first served (false).
 */
export class BotDefence1732900000000 implements MigrationInterface {
  name = 'BotDefence1732900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sales" ADD "pow_difficulty" integer`);
    await q.query(`ALTER TABLE "sales" ADD "pre_queue" boolean NOT NULL DEFAULT true`);
    await q.query(
      `ALTER TABLE "sales" ADD CONSTRAINT "sales_pow_difficulty_range" CHECK ("pow_difficulty" IS NULL OR "pow_difficulty" BETWEEN 1 AND 32)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sales" DROP CONSTRAINT "sales_pow_difficulty_range"`);
    await q.query(`ALTER TABLE "sales" DROP COLUMN "pre_queue"`);
    await q.query(`ALTER TABLE "sales" DROP COLUMN "pow_difficulty"`);
  }
}
