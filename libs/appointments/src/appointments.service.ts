import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ScriptGateway, homeShard, registrationSlot } from '@flash/inventory';
import { MicroBatcher } from '@flash/orders/micro-batcher';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';
import { SalesService } from '@flash/sales';

export interface Registration {
  saleId: string;
  buyerId: string;
  registeredAt: string;
}

export type RegisterOutcome =
  | { kind: 'registered'; registration: Registration; created: boolean }
  | { kind: 'not_enabled' }
  | { kind: 'not_open' }
  | { kind: 'closed' }
  | { kind: 'not_found' }
  | { kind: 'unavailable' };

interface Row {
  saleId: string;
  buyerId: string;
  registeredAtMs: number;
}

/**
 * Appointments. Redis decides (register.lua: the window on the Redis clock, once per
 * buyer, counted) and keeps the compact gate purchase.lua reads; Postgres keeps the record.
 * Rows are written in batches, many per INSERT, and the answer waits for its batch, so a
 * registration the buyer saw succeed is in both. Asking again is idempotent in both places,
 * which is also how a registration whose Postgres write failed is completed: by retrying.
 */
@Injectable()
export class AppointmentsService implements OnApplicationShutdown {
  private readonly batcher: MicroBatcher<Row>;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly scripts: ScriptGateway,
    private readonly dataSource: DataSource,
    private readonly sales: SalesService,
  ) {
    this.batcher = new MicroBatcher((rows) => this.write(rows), 500, 2);
  }

  async register(saleId: string, buyerId: string): Promise<RegisterOutcome> {
    // In a sharded sale the appointment lives in the buyer's home shard, beside the purchase.
    const shard = await this.homeShard(saleId, buyerId);
    const result = await this.scripts.run('register', { saleId, buyerId, shard });
    switch (result.kind) {
      case 'registered':
      case 'already': {
        const registeredAtMs = result.registeredAtMs;
        await this.batcher.add({ saleId, buyerId, registeredAtMs });
        return {
          kind: 'registered',
          created: result.kind === 'registered',
          registration: { saleId, buyerId, registeredAt: new Date(registeredAtMs).toISOString() },
        };
      }
      case 'state_missing':
        return (await this.sales.find(saleId)) ? { kind: 'unavailable' } : { kind: 'not_found' };
      default:
        return { kind: result.kind };
    }
  }

  /** The buyer's registration, read from the Redis gate itself, or null. */
  async find(saleId: string, buyerId: string): Promise<Registration | null> {
    const slot = registrationSlot(buyerId);
    const value = await this.redis.hget(
      this.keys.registrationBucket(saleId, slot.bucket, await this.homeShard(saleId, buyerId)),
      slot.field,
    );
    if (value === null) return null;
    return { saleId, buyerId, registeredAt: new Date(Number(value)).toISOString() };
  }

  /** The sale's definition is cached once read, so this costs Postgres once per sale. */
  private async homeShard(saleId: string, buyerId: string): Promise<number> {
    const sale = await this.sales.find(saleId);
    return homeShard(buyerId, sale?.shards ?? 1);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.batcher.drain();
  }

  private async write(rows: Row[]): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "registrations" ("sale_id", "buyer_id", "registered_at")
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])
       ON CONFLICT DO NOTHING`,
      [
        rows.map((r) => r.saleId),
        rows.map((r) => r.buyerId),
        rows.map((r) => new Date(r.registeredAtMs).toISOString()),
      ],
    );
  }
}
