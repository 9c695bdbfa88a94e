import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { InventoryService } from '@flash/inventory';
import { DomainError } from '@flash/errors';
import { SaleEntity } from './sale.entity';
import { SaleStockEntity } from './sale-stock.entity';
import { SaleCountersService } from './sale-counters.service';
import { LookupBudget } from './lookup-budget';
import { SaleStatus, saleStatus } from './sale-status';

/** The mechanisms a sale may switch on when it is created; each is off unless given. */
export interface SaleMechanics {
  /** Buyers must register in [opensAt, closesAt) (closesAt at the latest startsAt). */
  appointments?: { opensAt: Date; closesAt: Date };
  /** F-code holders may buy from priorityStartsAt, before startsAt, and skip the gates. */
  fcodes?: { priorityStartsAt: Date };
  /**
   * Buyers queue and are admitted admissionRate per second, each for admissionTtlSeconds;
   * preQueue false opens the line only at the opening (first come, first served).
   */
  waitingRoom?: WaitingRoomSettings;
  /** Registrations and queue joins need a solved challenge of `difficulty` leading zero bits. */
  proofOfWork?: { difficulty: number };
}

export interface WaitingRoomSettings {
  admissionRate: number;
  admissionTtlSeconds: number;
  preQueue: boolean;
}

export interface CreateSaleInput extends SaleMechanics {
  name: string;
  sku: string;
  price: number;
  stock: number;
  startsAt: Date;
  endsAt: Date | null;
  perUserLimit: number;
  /** Inventory shards (hot-SKU shards); 1, unsharded, when absent. */
  shards?: number;
}

/** The mechanisms as the API shows them; a field is present only when switched on. */
export interface MechanicsView {
  appointments?: { opensAt: string; closesAt: string };
  fcodes?: { priorityStartsAt: string };
  waitingRoom?: WaitingRoomSettings;
  proofOfWork?: { difficulty: number };
}

export interface SaleView extends MechanicsView {
  id: string;
  name: string;
  sku: string;
  price: number;
  stock: number;
  startsAt: string;
  endsAt: string | null;
  perUserLimit: number;
  shards: number;
}

export interface PublicSaleView extends MechanicsView {
  id: string;
  name: string;
  price: number;
  stock: number;
  remaining: number;
  startsAt: string;
  endsAt: string | null;
  perUserLimit: number;
  status: SaleStatus;
  /** The Redis clock (which opens and ends sales) when this was read: pages count down by it. */
  serverTime: string;
}

/** How long "no such sale" is remembered, so unknown ids cannot hammer Postgres. */
const MISSING_TTL_MS = 2000;

@Injectable()
export class SalesService {
  // A sale's definition never changes once created, so it is cached for good.
  private readonly cache = new Map<string, SaleEntity>();
  private readonly missing = new Map<string, number>();
  private readonly lookups: LookupBudget;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly inventory: InventoryService,
    private readonly counters: SaleCountersService,
  ) {
    this.lookups = new LookupBudget(config.rateLimit.unknownSaleLookupsPerSecond);
  }

  /**
   * Writes the sale to Postgres and arms its live state in Redis in one step: the row is
   * committed only once Redis is armed, so a sale that exists can be sold at startsAt.
   */
  async create(input: CreateSaleInput): Promise<SaleView> {
    const sale = Object.assign(new SaleEntity(), {
      id: randomUUID(),
      name: input.name,
      sku: input.sku,
      price: input.price,
      stock: input.stock,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      perUserLimit: input.perUserLimit,
      registrationOpensAt: input.appointments?.opensAt ?? null,
      registrationClosesAt: input.appointments?.closesAt ?? null,
      priorityStartsAt: input.fcodes?.priorityStartsAt ?? null,
      admissionRate: input.waitingRoom?.admissionRate ?? null,
      admissionTtlSeconds: input.waitingRoom?.admissionTtlSeconds ?? null,
      preQueue: input.waitingRoom?.preQueue ?? true,
      powDifficulty: input.proofOfWork?.difficulty ?? null,
      shards: input.shards ?? 1,
    });
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
          registration: input.appointments ?? null,
          priorityStartsAt: input.fcodes?.priorityStartsAt ?? null,
          waitingRoom: input.waitingRoom ?? null,
          shards: sale.shards,
        });
        armed = code === 'armed';
      });
    } catch (err) {
      if (armed) await this.inventory.disarm(sale.id, sale.shards).catch(() => undefined);
      throw err;
    }
    this.cache.set(sale.id, sale);
    this.missing.delete(sale.id);
    return toSaleView(sale);
  }

  /**
   * The sale's definition, or null. Postgres is read once per sale per process; an unknown id
   * is remembered for a while, and lookups of ids not known yet are held to a budget.
   */
  async find(id: string): Promise<SaleEntity | null> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const missingUntil = this.missing.get(id);
    if (missingUntil !== undefined && missingUntil > Date.now()) return null;
    if (!this.lookups.take())
      throw new DomainError('rate_limited', 'too many lookups of unknown sales: slow down', 1);
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
    if (!sale) throw new DomainError('not_found', 'no such sale');
    return sale;
  }

  /** Sales by start, latest first; `after` is the last sale of the page before. */
  async list(limit: number, after?: { startsAt: Date; id: string }): Promise<SaleView[]> {
    const qb = this.dataSource
      .getRepository(SaleEntity)
      .createQueryBuilder('s')
      .orderBy('"s"."starts_at"', 'DESC')
      .addOrderBy('"s"."id"', 'DESC')
      .limit(limit);
    if (after)
      qb.where('("s"."starts_at", "s"."id") < (:startsAt, :id)', {
        startsAt: after.startsAt,
        id: after.id,
      });
    return (await qb.getMany()).map(toSaleView);
  }

  async publicView(id: string): Promise<PublicSaleView> {
    const sale = await this.get(id);
    const [counters, now] = await Promise.all([this.counters.counters(id), this.inventory.now()]);
    if (!counters) throw new DomainError('unavailable', 'the sale is not live in Redis');
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
      serverTime: new Date(now).toISOString(),
      ...mechanicsView(sale),
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
    shards: sale.shards,
    ...mechanicsView(sale),
  };
}

export function mechanicsView(sale: SaleEntity): MechanicsView {
  const view: MechanicsView = {};
  if (sale.registrationOpensAt && sale.registrationClosesAt) {
    view.appointments = {
      opensAt: sale.registrationOpensAt.toISOString(),
      closesAt: sale.registrationClosesAt.toISOString(),
    };
  }
  if (sale.priorityStartsAt) {
    view.fcodes = { priorityStartsAt: sale.priorityStartsAt.toISOString() };
  }
  if (sale.admissionRate !== null && sale.admissionTtlSeconds !== null) {
    view.waitingRoom = {
      admissionRate: sale.admissionRate,
      admissionTtlSeconds: sale.admissionTtlSeconds,
      preQueue: sale.preQueue,
    };
  }
  if (sale.powDifficulty !== null) view.proofOfWork = { difficulty: sale.powDifficulty };
  return view;
}
