import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '@flash/database/bigint.transformer';
import { SaleEntity } from '@flash/sales/sale.entity';

/** Why a sale's Redis state is rebuilt: gone, behind Postgres, or an operator asked. */
export const REBUILD_REASONS = ['missing', 'regressed', 'requested'] as const;
export type RebuildReason = (typeof REBUILD_REASONS)[number];

/** One rebuild of a sale's Redis state from Postgres: why, what it restored, what may be lost. */
@Entity({ name: 'sale_rebuilds' })
@Index('sale_rebuilds_window_idx', ['lostFrom', 'lostTo'])
@Index('sale_rebuilds_sale_idx', ['saleId'])
@Check('sale_rebuilds_reason_known', `"reason" IN ('missing', 'regressed', 'requested')`)
@Check('sale_rebuilds_window_ordered', '"lost_to" >= "lost_from"')
export class SaleRebuildEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'sale_rebuilds_pkey' })
  id!: string;

  @Column('uuid', { name: 'sale_id' })
  saleId!: string;

  @ManyToOne(() => SaleEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'sale_id', foreignKeyConstraintName: 'sale_rebuilds_sale_id_fkey' })
  sale?: SaleEntity;

  /** The sale's epoch after this rebuild. */
  @Column('integer')
  epoch!: number;

  @Column('text')
  reason!: RebuildReason;

  /** Redis's outbox sequence when the rebuild began (null: the state was gone). */
  @Column('bigint', { name: 'redis_seq', nullable: true, transformer: bigintToNumber })
  redisSeq!: number | null;

  /** The sequence Postgres had persisted: Redis resumes from here. */
  @Column('bigint', { name: 'postgres_seq', transformer: bigintToNumber })
  postgresSeq!: number;

  /**
   * Orders accepted in this window may have been lost with Redis before they reached
   * Postgres: an order id from it found in neither store is answered as lost, not unknown.
   */
  @Column('timestamptz', { name: 'lost_from' })
  lostFrom!: Date;

  @Column('timestamptz', { name: 'lost_to' })
  lostTo!: Date;

  /** Orders restored into Redis, and the units they hold (pending and paid). */
  @Column('integer')
  orders!: number;

  @Column('integer', { name: 'live_units' })
  liveUnits!: number;

  @Column('timestamptz', { name: 'started_at' })
  startedAt!: Date;

  @Column('timestamptz', { name: 'finished_at' })
  finishedAt!: Date;
}
