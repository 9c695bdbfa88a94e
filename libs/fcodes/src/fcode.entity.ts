import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import { SaleEntity } from '@flash/sales/sale.entity';

/**
 * An F-code, as its SHA-256 only: the plain code is shown once, to the admin who generated
 * it. Whether it is spent is not stored here: the order that redeemed it names it
 * (orders.fcode_hash), and a cancelled or expired order gives it back.
 */
@Entity({ name: 'fcodes' })
@Index('fcodes_sale_idx', ['saleId'])
@Check('fcodes_code_hash_format', `"code_hash" ~ '^[0-9a-f]{64}$'`)
export class FcodeEntity {
  @PrimaryColumn('text', { name: 'code_hash', primaryKeyConstraintName: 'fcodes_pkey' })
  codeHash!: string;

  @Column('uuid', { name: 'sale_id' })
  saleId!: string;

  @ManyToOne(() => SaleEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'sale_id', foreignKeyConstraintName: 'fcodes_sale_id_fkey' })
  sale?: SaleEntity;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
