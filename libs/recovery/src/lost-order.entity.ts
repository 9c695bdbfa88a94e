import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { SaleRebuildEntity } from './sale-rebuild.entity';

/**
 * An order a buyer was told 202 for, that exists in neither store: accepted inside a
 * rebuild's loss window and lost with Redis before it reached Postgres. Recorded the first
 * time someone asks about it, so lost orders are counted.
 */
@Entity({ name: 'lost_orders' })
@Index('lost_orders_rebuild_idx', ['rebuildId'])
export class LostOrderEntity {
  @PrimaryColumn('uuid', { name: 'order_id', primaryKeyConstraintName: 'lost_orders_pkey' })
  orderId!: string;

  @Column('uuid', { name: 'rebuild_id' })
  rebuildId!: string;

  @ManyToOne(() => SaleRebuildEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'rebuild_id', foreignKeyConstraintName: 'lost_orders_rebuild_id_fkey' })
  rebuild?: SaleRebuildEntity;

  @Column('timestamptz', { name: 'reported_at', default: () => 'now()' })
  reportedAt!: Date;
}
