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

  /**
   * Redis first: while a sale is live it holds every order (including those still in the
   * pipeline) with the authoritative status, and answers without touching Postgres.
   * Orders of sales no longer in Redis are read from Postgres.
   */
  /**
   * A sale's orders from Postgres, newest first, one index range per page. Postgres is the
   * record: an order still in the pipeline (stats' pipelineLag) appears once it lands, and a
   * status Redis already moved shows once the worker has written it.
   */
  async list(query: OrderListQuery): Promise<OrderView[]> {
    const qb = this.dataSource
      .getRepository(OrderEntity)
      .createQueryBuilder('o')
      .where('"o"."sale_id" = :saleId', { saleId: query.saleId })
      .orderBy('"o"."id"', 'DESC')
      .limit(query.limit);
    if (query.before) qb.andWhere('"o"."id" < :before', { before: query.before });
    if (query.status) qb.andWhere('"o"."status" = :status', { status: query.status });
    return (await qb.getMany()).map(toOrderView);
  }

  async find(orderId: string): Promise<OrderView | null> {
    const live = await this.inventory.findOrder(orderId);
    if (!live) {
      const row = await this.dataSource.getRepository(OrderEntity).findOneBy({ id: orderId });
      return row ? toOrderView(row) : null;
    }
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

/** A page of a sale's orders as Postgres holds them, newest first. */
export interface OrderListQuery {
  saleId: string;
  limit: number;
  /** The last order of the page before (ids are UUIDv7: they sort by acceptance). */
  before?: string;
  status?: OrderStatus;
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
