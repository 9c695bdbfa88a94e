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
    if (row) {
      // While the sale is live, Redis is ahead of Postgres on the order's status.
      const live = await this.inventory.findOrder(orderId, row.saleId);
      return toOrderView(row, live?.status);
    }
    // Accepted but not yet persisted: the hold written by the purchase script answers.
    const live = await this.inventory.findOrder(orderId);
    if (!live) return null;
    const sale = await this.sales.get(live.saleId);
    return {
      id: live.orderId,
      saleId: live.saleId,
      buyerId: live.buyerId,
      quantity: live.quantity,
      unitPrice: sale.price,
      status: live.status,
      createdAt: live.createdAt.toISOString(),
      expiresAt: live.expiresAt.toISOString(),
    };
  }
}

export function toOrderView(row: OrderEntity, liveStatus?: OrderStatus): OrderView {
  const view: OrderView = {
    id: row.id,
    saleId: row.saleId,
    buyerId: row.buyerId,
    quantity: row.quantity,
    unitPrice: row.unitPrice,
    status: liveStatus ?? row.status,
    createdAt: row.createdAt.toISOString(),
  };
  if (row.expiresAt) view.expiresAt = row.expiresAt.toISOString();
  return view;
}
