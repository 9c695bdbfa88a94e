import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '@flash/database/bigint.transformer';
import { SaleEntity } from '@flash/sales/sale.entity';
import type { OrderStatus } from './order-status';

@Entity({ name: 'orders' })
@Index('orders_sale_status_idx', ['saleId', 'status'])
@Index('orders_sale_id_idx', ['saleId', 'id'])
@Index('orders_sale_buyer_idx', ['saleId', 'buyerId'])
@Index('orders_fcode_hash_idx', ['fcodeHash'], { where: '"fcode_hash" IS NOT NULL' })
@Index('orders_sale_seq_idx', ['saleId', 'seq'], { where: '"seq" IS NOT NULL' })
@Index('orders_idempotency_key_idx', ['saleId', 'buyerId', 'idempotencyKey'], {
  unique: true,
  where: '"idempotency_key" IS NOT NULL',
})
@Check('orders_quantity_positive', '"quantity" > 0')
@Check('orders_unit_price_positive', '"unit_price" > 0')
@Check('orders_buyer_id_format', `"buyer_id" ~ '^[A-Za-z0-9_-]{1,64}$'`)
@Check(
  'orders_status_known',
  `"status" IN ('pending_payment', 'paid', 'cancelled', 'expired', 'rejected')`,
)
export class OrderEntity {
  /** Chosen by the API before the purchase script runs; the idempotency key of the pipeline. */
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'orders_pkey' })
  id!: string;

  @Column('uuid', { name: 'sale_id' })
  saleId!: string;

  @ManyToOne(() => SaleEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'sale_id', foreignKeyConstraintName: 'orders_sale_id_fkey' })
  sale?: SaleEntity;

  @Column('text', { name: 'buyer_id' })
  buyerId!: string;

  @Column('integer')
  quantity!: number;

  /** Copied from the sale when the order is written: what the buyer pays per unit. */
  @Column('bigint', { name: 'unit_price', transformer: bigintToNumber })
  unitPrice!: number;

  @Column('text', { default: 'pending_payment' })
  status!: OrderStatus;

  /** When the purchase script accepted it, on the Redis clock. */
  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt!: Date | null;

  /** When Postgres learnt that the order left pending_payment (paid, cancelled, expired). */
  @Column('timestamptz', { name: 'closed_at', nullable: true })
  closedAt!: Date | null;

  /**
   * The buyer's Idempotency-Key. The naive baseline (PURCHASE_STRATEGY=postgres) finds replays
   * by it; the Redis design answers replays from Redis and keeps the key here so that a sale
   * rebuilt from Postgres still answers them.
   */
  @Column('text', { name: 'idempotency_key', nullable: true })
  idempotencyKey!: string | null;

  /** SHA-256 of the F-code this order redeemed, if any (a cancelled or expired order gave it back). */
  @Column('text', { name: 'fcode_hash', nullable: true })
  fcodeHash!: string | null;

  /** The sale's outbox sequence number of the entry that accepted it (see the sale rebuild). */
  @Column('bigint', { nullable: true, transformer: bigintToNumber })
  seq!: number | null;

  /** When the worker wrote it: created_at to persisted_at is the pipeline's latency. */
  @Column('timestamptz', { name: 'persisted_at', default: () => 'now()' })
  persistedAt!: Date;
}
