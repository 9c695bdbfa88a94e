import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { RELAY_GROUP } from '@flash/inventory';
import { RedisKeys, createRedis } from '@flash/redis';
import { AcceptedOrder } from './order-job';
import type { OrderStatus } from './order-status';
import { OrdersQueue } from './orders-queue';

type StreamEntry = [id: string, fields: string[]];

/**
 * Moves accepted orders from each sale's outbox stream (written by purchase.lua in the
 * same atomic step as the hold) onto the BullMQ queue. Because the outbox entry and the
 * stock decrement are one script, an API crash between "202" and "enqueued" loses nothing:
 * unacknowledged entries stay pending and are claimed again.
 *
 * Consumer groups let several API instances relay at once; an entry is acknowledged and
 * deleted only after BullMQ has the job.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly consumer = `relay-${randomUUID()}`;
  private redis?: Redis;
  private running = false;
  private loop?: Promise<void>;
  private lastClaim = 0;
  relayed = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: RedisKeys,
    private readonly queue: OrdersQueue,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.relay.enabled) return;
    this.redis = createRedis(this.config.redisUrl, 'flash-sale-relay');
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const moved = await this.relayOnce();
        if (moved === 0) await sleep(this.config.relay.idleMs);
      } catch (err) {
        this.logger.warn(`relay pass failed, retrying: ${(err as Error).message}`);
        await sleep(Math.max(this.config.relay.idleMs, 500));
      }
    }
  }

  /** One pass over every active sale; returns how many orders it moved. */
  async relayOnce(): Promise<number> {
    const redis = this.redis;
    if (!redis) return 0;
    const saleIds = await redis.smembers(this.keys.activeSales);
    const claim = Date.now() - this.lastClaim >= this.config.relay.claimIdleMs / 2;
    if (claim) this.lastClaim = Date.now();
    let moved = 0;
    for (const saleId of saleIds) {
      const outbox = this.keys.sale(saleId).outbox;
      const entries: StreamEntry[] = [];
      if (claim) entries.push(...(await this.claimStale(redis, outbox)));
      const fresh = (await redis.xreadgroup(
        'GROUP',
        RELAY_GROUP,
        this.consumer,
        'COUNT',
        this.config.relay.batchSize,
        'STREAMS',
        outbox,
        '>',
      )) as [string, StreamEntry[]][] | null;
      if (fresh) entries.push(...fresh[0][1]);
      if (entries.length === 0) continue;
      const ids = entries.map(([id]) => id);
      // BullMQ job ids may not contain ':'; outbox entry ids look like 1732000000000-0.
      const orders = entries.map((entry) => toOrder(saleId, entry));
      const batchKey = `${saleId}_${ids[0]}`;
      await this.queue.addOrders(orders, batchKey);
      const pending = orders.filter((o) => o.status === 'pending_payment');
      if (pending.length > 0) {
        const deadline = Math.max(...pending.map((o) => o.expiresAtMs));
        await this.queue.scheduleExpiry(saleId, batchKey, deadline);
      }
      await redis
        .multi()
        .xack(outbox, RELAY_GROUP, ...ids)
        .xdel(outbox, ...ids)
        .exec();
      moved += entries.length;
    }
    this.relayed += moved;
    return moved;
  }

  /** Entries another relay read but never acknowledged (it died) for longer than claimIdleMs. */
  private async claimStale(redis: Redis, outbox: string): Promise<StreamEntry[]> {
    const result = (await redis.xautoclaim(
      outbox,
      RELAY_GROUP,
      this.consumer,
      this.config.relay.claimIdleMs,
      '0-0',
      'COUNT',
      this.config.relay.batchSize,
    )) as [string, (StreamEntry | null)[]];
    return result[1].filter((entry): entry is StreamEntry => entry !== null);
  }
}

function toOrder(saleId: string, [, fields]: StreamEntry): AcceptedOrder {
  const map = new Map<string, string>();
  for (let i = 0; i < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  return {
    orderId: map.get('order') ?? '',
    saleId,
    buyerId: map.get('buyer') ?? '',
    quantity: Number(map.get('quantity')),
    createdAtMs: Number(map.get('at')),
    expiresAtMs: Number(map.get('expires')),
    status: (map.get('status') ?? 'pending_payment') as OrderStatus,
    fcodeHash: map.get('fcode') || undefined,
  };
}
