import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { SaleEntity } from '@flash/sales/sale.entity';

/** One buyer's appointment for one sale. Redis holds the gate; this is the record. */
@Entity({ name: 'registrations' })
@Check('registrations_buyer_id_format', `"buyer_id" ~ '^[A-Za-z0-9_-]{1,64}$'`)
export class RegistrationEntity {
  @PrimaryColumn('uuid', { name: 'sale_id', primaryKeyConstraintName: 'registrations_pkey' })
  saleId!: string;

  @PrimaryColumn('text', { name: 'buyer_id', primaryKeyConstraintName: 'registrations_pkey' })
  buyerId!: string;

  @ManyToOne(() => SaleEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'sale_id', foreignKeyConstraintName: 'registrations_sale_id_fkey' })
  sale?: SaleEntity;

  /** On the Redis clock, when the registration script first saw the buyer. */
  @Column('timestamptz', { name: 'registered_at' })
  registeredAt!: Date;
}
