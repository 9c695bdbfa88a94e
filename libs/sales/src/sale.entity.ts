import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '@flash/database/bigint.transformer';

@Entity({ name: 'sales' })
@Check('sales_name_length', 'char_length("name") BETWEEN 1 AND 200')
@Check('sales_sku_length', 'char_length("sku") BETWEEN 1 AND 64')
@Check('sales_price_positive', '"price" > 0')
@Check('sales_stock_positive', '"stock" > 0')
@Check('sales_per_user_limit_positive', '"per_user_limit" > 0')
@Check('sales_window_ordered', '"ends_at" IS NULL OR "ends_at" > "starts_at"')
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

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
