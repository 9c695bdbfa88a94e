import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InventoryService } from '@flash/inventory';
import { SalesService } from '@flash/sales';
import { OrderEntity } from './order.entity';
import { OrderStatus } from './order-status';

export interface OrderView {
  id: string;
  saleId: string;
  buyerId: string;
  quantity: number;
  unitPrice: number;
  status: OrderStatus;
  createdAt: string;
  expiresAt?: string;
}

/** Reads orders wherever they are: Postgres, or still in the pipeline as a Redis hold. */
@Injectable()
export class OrdersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly inventory: InventoryService,
    private readonly sales: SalesService,
  ) {}

  async find(orderId: string): Promise<OrderView | null> {
    const row = await this.dataSource.getRepository(OrderEntity).findOneBy({ id: orderId });
    if (row) return toOrderView(row);
    // Accepted but not yet persisted: the hold written by the purchase script answers.
    const hold = await this.inventory.findHold(orderId);
    if (!hold) return null;
    const sale = await this.sales.get(hold.saleId);
    return {
      id: hold.orderId,
      saleId: hold.saleId,
      buyerId: hold.buyerId,
      quantity: hold.quantity,
      unitPrice: sale.price,
      status: 'pending_payment',
      createdAt: hold.createdAt.toISOString(),
    };
  }
}

export function toOrderView(row: OrderEntity): OrderView {
  const view: OrderView = {
    id: row.id,
    saleId: row.saleId,
    buyerId: row.buyerId,
    quantity: row.quantity,
    unitPrice: row.unitPrice,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
  };
  if (row.expiresAt) view.expiresAt = row.expiresAt.toISOString();
  return view;
}
