import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { RELAY_GROUP, ReplicaAcks, ShardCounts, outboxEntryCodec } from '@flash/inventory';
import { RedisClient, RedisKeys, createRedis } from '@flash/redis';
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
  /** Unique, and naming the process: an operator (or the fault suite) can tell whose entries wait. */
  readonly consumer = `relay-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private redis?: RedisClient;
  private running = false;
  private loop?: Promise<void>;
  private lastClaim = 0;
  /**
   * Sales whose last batch no replica confirmed (PURCHASE_WAIT_REPLICAS): the relay reads its
   * own pending entries again instead of waiting for them to be claimed.
   */
  private readonly unconfirmed = new Set<string>();
  private shardCounts?: ShardCounts;
  relayed = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: RedisKeys,
    private readonly queue: OrdersQueue,
    private readonly replicaAcks: ReplicaAcks,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.relay.enabled) return;
    this.redis = createRedis(this.config, 'flash-sale-relay');
    this.shardCounts = new ShardCounts(this.redis, this.keys);
    this.replicaAcks.watch(this.redis);
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
    const { redis, shardCounts } = this;
    if (!redis || !shardCounts) return 0;
    const saleIds = await redis.smembers(this.keys.activeSales);
    const claim = Date.now() - this.lastClaim >= this.config.relay.claimIdleMs / 2;
    if (claim) this.lastClaim = Date.now();
    let moved = 0;
    for (const saleId of saleIds) {
      for (let shard = 0, shards = await shardCounts.of(saleId); shard < shards; shard++) {
        try {
          moved += await this.relaySale(redis, saleId, shard, claim);
        } catch (err) {
          // One outbox gone (its state lost, a rebuild under way) must not hold up the rest.
          if (!String((err as Error).message).startsWith('NOGROUP')) throw err;
        }
      }
    }
    this.relayed += moved;
    return moved;
  }

  /** One outbox: the sale's, or one of its shards'. */
  private async relaySale(
    redis: RedisClient,
    saleId: string,
    shard: number,
    claim: boolean,
  ): Promise<number> {
    const outbox = this.keys.sale(saleId, shard).outbox;
    const since = this.replicaAcks.epoch();
    const entries: StreamEntry[] = [];
    // Entries this relay read but could not confirm on a replica come first, on the server
    // that still has them (after a failover, the promoted replica's own list of them).
    const unconfirmed = `${saleId}:${shard}`;
    if (this.unconfirmed.has(unconfirmed))
      entries.push(...(await this.readOwnPending(redis, outbox)));
    if (claim) entries.push(...(await this.claimStale(redis, outbox)));
    entries.push(...(await this.readFresh(redis, outbox)));
    if (entries.length === 0) {
      this.unconfirmed.delete(unconfirmed);
      return 0;
    }
    if (this.replicaAcks.enabled && !(await this.replicaAcks.confirm(saleId, since, shard))) {
      // Left pending, read again next pass: Postgres only learns what a replica holds.
      this.unconfirmed.add(unconfirmed);
      return 0;
    }
    this.unconfirmed.delete(unconfirmed);
    await this.relayBatch(saleId, entries, shard);
    await redis
      .multi()
      .xack(outbox, RELAY_GROUP, ...entries.map(([id]) => id))
      .xdel(outbox, ...entries.map(([id]) => id))
      .exec();
    return entries.length;
  }

  /** This relay's own entries read earlier and not acknowledged. */
  private readOwnPending(redis: RedisClient, outbox: string): Promise<StreamEntry[]> {
    return this.readGroup(redis, outbox, '0');
  }

  /** Entries no relay has read yet, now delivered to this one. */
  readFresh(redis: RedisClient, outbox: string): Promise<StreamEntry[]> {
    return this.readGroup(redis, outbox, '>');
  }

  /** `>`: new entries; `0`: this consumer's pending ones (deleted ones left out). */
  private async readGroup(
    redis: RedisClient,
    outbox: string,
    from: '>' | '0',
  ): Promise<StreamEntry[]> {
    const read = (await redis.xreadgroup(
      'GROUP',
      RELAY_GROUP,
      this.consumer,
      'COUNT',
      this.config.relay.batchSize,
      'STREAMS',
      outbox,
      from,
    )) as [string, (StreamEntry | [string, null])[]][] | null;
    return (read ? read[0][1] : []).filter((e): e is StreamEntry => e[1] !== null);
  }

  /** Enqueues one outbox's entries and their expiry; the caller acknowledges them after. */
  async relayBatch(saleId: string, entries: StreamEntry[], shard = 0): Promise<void> {
    const orders = entries.map(([, fields]) => outboxEntryCodec.decode(saleId, fields));
    const batchKey = relayBatchKey(
      saleId,
      entries.map(([id]) => id),
      shard,
    );
    await this.queue.addOrders(orders, batchKey);
    const pending = orders.filter((o) => o.status === 'pending_payment');
    if (pending.length > 0) {
      const deadline = Math.max(...pending.map((o) => o.expiresAtMs));
      await this.queue.scheduleExpiry(saleId, batchKey, deadline);
    }
  }

  /** Entries another relay read but never acknowledged (it died) for longer than claimIdleMs. */
  private async claimStale(redis: RedisClient, outbox: string): Promise<StreamEntry[]> {
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

/**
 * Names a batch by its exact content: the sale, the outbox (a sharded sale has one per shard)
 * and a digest of every entry id in it. The same batch relayed twice (a relay died between
 * enqueueing and acknowledging) is recognised by BullMQ as one job, while a batch that
 * differs by even one entry (a reclaimed batch joined by fresh entries) can never be mistaken
 * for a job that already exists and silently dropped. The shard counts because each shard's
 * outbox numbers its entries by itself: two shards hand out the same id in the same
 * millisecond. BullMQ job ids may not contain ':', hence hex.
 */
export function relayBatchKey(saleId: string, entryIds: readonly string[], shard = 0): string {
  const content = (shard === 0 ? '' : `shard ${shard}/`) + entryIds.join(',');
  const digest = createHash('sha256').update(content).digest('hex').slice(0, 32);
  return `${saleId}_${digest}`;
}
