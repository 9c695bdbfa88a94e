import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import { bigintToNumber } from '@flash/database/bigint.transformer';

/**
 * The simulated gateway's own ledger: what a real provider's dashboard would show. One row
 * per idempotency key, so the tests can prove nothing was charged twice.
 */
@Entity({ name: 'gateway_charges' })
@Index('gateway_charges_order_idx', ['orderId'])
@Unique('gateway_charges_idempotency_key_key', ['idempotencyKey'])
@Check('gateway_charges_amount_positive', '"amount" > 0')
@Check('gateway_charges_status_known', `"status" IN ('succeeded', 'declined', 'refunded')`)
export class GatewayChargeEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'gateway_charges_pkey' })
  id!: string;

  @Column('text', { name: 'idempotency_key' })
  idempotencyKey!: string;

  @Column('uuid', { name: 'order_id' })
  orderId!: string;

  @Column('bigint', { transformer: bigintToNumber })
  amount!: number;

  @Column('text')
  status!: 'succeeded' | 'declined' | 'refunded';

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'refunded_at', nullable: true })
  refundedAt!: Date | null;
}
