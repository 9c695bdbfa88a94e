import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '@flash/database/bigint.transformer';

@Entity({ name: 'sales' })
@Check('sales_name_length', 'char_length("name") BETWEEN 1 AND 200')
@Check('sales_sku_length', 'char_length("sku") BETWEEN 1 AND 64')
@Check('sales_price_positive', '"price" > 0')
@Check('sales_stock_positive', '"stock" > 0')
@Check('sales_per_user_limit_positive', '"per_user_limit" > 0')
@Check('sales_window_ordered', '"ends_at" IS NULL OR "ends_at" > "starts_at"')
@Check(
  'sales_registration_window',
  '"registration_opens_at" IS NULL OR ("registration_closes_at" > "registration_opens_at" AND "registration_closes_at" <= "starts_at")',
)
@Check(
  'sales_priority_before_start',
  '"priority_starts_at" IS NULL OR "priority_starts_at" <= "starts_at"',
)
@Check(
  'sales_waiting_room_settings',
  '("admission_rate" IS NULL AND "admission_ttl_seconds" IS NULL) OR ("admission_rate" > 0 AND "admission_ttl_seconds" > 0)',
)
@Check('sales_live_units_within_stock', '"live_units" >= 0 AND "live_units" <= "stock"')
@Check(
  'sales_pow_difficulty_range',
  '"pow_difficulty" IS NULL OR "pow_difficulty" BETWEEN 1 AND 32',
)
@Check('sales_shards_range', '"shards" BETWEEN 1 AND 64 AND ("shards" = 1 OR "shards" <= "stock")')
export class SaleEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'sales_pkey' })
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  sku!: string;

  /** Unit price in minor units (fen, cents). */
  @Column('bigint', { transformer: bigintToNumber })
  price!: number;

  @Column('integer')
  stock!: number;

  @Column('integer', { name: 'per_user_limit' })
  perUserLimit!: number;

  @Column('timestamptz', { name: 'starts_at' })
  startsAt!: Date;

  @Column('timestamptz', { name: 'ends_at', nullable: true })
  endsAt!: Date | null;

  /** Appointments: buyers register in [opens, closes); only they may buy. Null: no registration. */
  @Column('timestamptz', { name: 'registration_opens_at', nullable: true })
  registrationOpensAt!: Date | null;

  @Column('timestamptz', { name: 'registration_closes_at', nullable: true })
  registrationClosesAt!: Date | null;

  /** F-codes: holders may buy from here until startsAt, before everyone else. Null: no F-codes. */
  @Column('timestamptz', { name: 'priority_starts_at', nullable: true })
  priorityStartsAt!: Date | null;

  /** Waiting room: buyers admitted per second. Null: no waiting room. */
  @Column('integer', { name: 'admission_rate', nullable: true })
  admissionRate!: number | null;

  /** How long an admission (and its token) lasts. */
  @Column('integer', { name: 'admission_ttl_seconds', nullable: true })
  admissionTtlSeconds!: number | null;

  /**
   * Waiting room: true, buyers who come before the opening join a pre-queue shuffled at the
   * opening; false, the line opens at the opening, first come first served.
   */
  @Column('boolean', { name: 'pre_queue', default: true })
  preQueue!: boolean;

  /**
   * Proof of work: registrations and queue joins need a solved challenge of this many
   * leading zero bits. Null: no gate.
   */
  @Column('integer', { name: 'pow_difficulty', nullable: true })
  powDifficulty!: number | null;

  /**
   * Hot-SKU shards: the stock is split over this many inventory shards in Redis, each in a
   * slot of its own, so one sale spreads over a cluster's primaries. 1: unsharded.
   */
  @Column('integer', { default: 1 })
  shards!: number;

  /**
   * Units of the pipeline's live orders (pending_payment or paid), kept by the worker once
   * per batch. The CHECK makes Postgres the last guard: whatever Redis decided, it never
   * records more live units than the stock.
   */
  @Column('integer', { name: 'live_units', default: 0 })
  liveUnits!: number;

  /**
   * The highest outbox sequence number persisted. Redis counts every outbox entry of the
   * sale; a Redis whose count is below this one has lost writes and is rebuilt.
   */
  @Column('bigint', { name: 'redis_seq', default: 0, transformer: bigintToNumber })
  redisSeq!: number;

  /** Orders the pipeline wrote for the sale: Redis's own count may never be below it. */
  @Column('bigint', { name: 'orders_count', default: 0, transformer: bigintToNumber })
  ordersCount!: number;

  /** Set by the worker when Redis handed out an outbox sequence number twice (it lost writes). */
  @Column('timestamptz', { name: 'regressed_at', nullable: true })
  regressedAt!: Date | null;

  /** How many times the sale's Redis state was rebuilt from Postgres. */
  @Column('integer', { default: 0 })
  epoch!: number;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
