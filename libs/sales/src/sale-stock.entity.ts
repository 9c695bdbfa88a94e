import { Check, Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { SaleEntity } from './sale.entity';

/**
 * The naive baseline's stock counter (PURCHASE_STRATEGY=postgres): written with the sale,
 * decremented under a row lock by each purchase. Under the Redis strategy it stays at the
 * sale's stock; Redis holds the live count.
 */
@Entity({ name: 'sale_stock' })
@Check('sale_stock_remaining_not_negative', '"remaining" >= 0')
export class SaleStockEntity {
  @PrimaryColumn('uuid', { name: 'sale_id', primaryKeyConstraintName: 'sale_stock_pkey' })
  saleId!: string;

  @OneToOne(() => SaleEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'sale_id', foreignKeyConstraintName: 'sale_stock_sale_id_fkey' })
  sale?: SaleEntity;

  @Column('integer')
  remaining!: number;
}
