import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ArmCode, InventoryService } from '@flash/inventory';
import { ApiError } from '@flash/http';
import { SaleEntity } from './sale.entity';
import { SaleStockEntity } from './sale-stock.entity';
import { SaleCountersService } from './sale-counters.service';
import { SaleStatus, saleStatus } from './sale-status';

export interface CreateSaleInput {
  name: string;
  sku: string;
  price: number;
  stock: number;
  startsAt: Date;
  endsAt: Date | null;
  perUserLimit: number;
}

export interface SaleView {
  id: string;
  name: string;
  sku: string;
  price: number;
  stock: number;
  startsAt: string;
  endsAt: string | null;
  perUserLimit: number;
}

export interface PublicSaleView {
  id: string;
  name: string;
  price: number;
  stock: number;
  remaining: number;
  startsAt: string;
  endsAt: string | null;
  perUserLimit: number;
  status: SaleStatus;
}

/** How long "no such sale" is remembered, so unknown ids cannot hammer Postgres. */
const MISSING_TTL_MS = 2000;

@Injectable()
export class SalesService {
  // A sale's definition never changes once created, so it is cached for good.
  private readonly cache = new Map<string, SaleEntity>();
  private readonly missing = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly inventory: InventoryService,
    private readonly counters: SaleCountersService,
  ) {}

  /**
   * Writes the sale to Postgres and arms its live state in Redis in one step: the row is
   * committed only once Redis is armed, so a sale that exists can be sold at startsAt.
   */
  async create(input: CreateSaleInput): Promise<SaleView> {
    const sale = Object.assign(new SaleEntity(), { id: randomUUID(), ...input });
    let armed = false;
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.insert(SaleEntity, sale);
        // The naive baseline's counter; the Redis strategy never touches it.
        await manager.insert(SaleStockEntity, { saleId: sale.id, remaining: sale.stock });
        const code = await this.inventory.arm({
          saleId: sale.id,
          startsAt: sale.startsAt,
          endsAt: sale.endsAt,
          perUserLimit: sale.perUserLimit,
          stock: sale.stock,
        });
        armed = code === ArmCode.Armed;
      });
    } catch (err) {
      if (armed) await this.inventory.disarm(sale.id).catch(() => undefined);
      throw err;
    }
    this.cache.set(sale.id, sale);
    this.missing.delete(sale.id);
    return toSaleView(sale);
  }

  /** The sale's definition, or null. Postgres is read once per sale per process. */
  async find(id: string): Promise<SaleEntity | null> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const missingUntil = this.missing.get(id);
    if (missingUntil !== undefined && missingUntil > Date.now()) return null;
    const sale = await this.dataSource.getRepository(SaleEntity).findOneBy({ id });
    if (sale) {
      this.cache.set(id, sale);
      this.missing.delete(id);
    } else {
      if (this.missing.size > 10_000) this.missing.clear();
      this.missing.set(id, Date.now() + MISSING_TTL_MS);
    }
    return sale;
  }

  async get(id: string): Promise<SaleEntity> {
    const sale = await this.find(id);
    if (!sale) throw ApiError.notFound('no such sale');
    return sale;
  }

  async publicView(id: string): Promise<PublicSaleView> {
    const sale = await this.get(id);
    const [counters, now] = await Promise.all([this.counters.counters(id), this.inventory.now()]);
    if (!counters) throw ApiError.unavailable('the sale is not live in Redis');
    return {
      id: sale.id,
      name: sale.name,
      price: sale.price,
      stock: sale.stock,
      remaining: counters.remaining,
      startsAt: sale.startsAt.toISOString(),
      endsAt: sale.endsAt ? sale.endsAt.toISOString() : null,
      perUserLimit: sale.perUserLimit,
      status: saleStatus(now, sale.startsAt, sale.endsAt, counters.remaining),
    };
  }
}

export function toSaleView(sale: SaleEntity): SaleView {
  return {
    id: sale.id,
    name: sale.name,
    sku: sale.sku,
    price: sale.price,
    stock: sale.stock,
    startsAt: sale.startsAt.toISOString(),
    endsAt: sale.endsAt ? sale.endsAt.toISOString() : null,
    perUserLimit: sale.perUserLimit,
  };
}
