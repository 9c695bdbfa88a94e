import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { InventoryService, outboxEntryCodec, saleEventCodec } from '@flash/inventory';
import { AcceptedOrder, JobVetting, OrderWriter, OrdersQueue, WriteResult } from '@flash/orders';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';
import { RebuildPlan, planRebuild, planShardedRebuild } from './rebuild-plan';
import { RebuildReason } from './sale-rebuild.entity';
import { readSnapshot } from './sale-snapshot';

export type RebuildOutcome =
  | { kind: 'rebuilt'; report: RebuildReport }
  | { kind: 'busy' }
  | { kind: 'not_found' };

export interface RebuildReport {
  saleId: string;
  reason: RebuildReason;
  epoch: number;
  /** Redis's outbox sequence when the rebuild began (null: the state was gone). */
  redisSeq: number | null;
  postgresSeq: number;
  /** Entries still in Redis (outbox, queued jobs) written to Postgres before it was read. */
  flushed: number;
  orders: number;
  remaining: number;
  held: number;
  paid: number;
  lostFrom: string;
  lostTo: string;
  tookMs: number;
}

/** Rows per Redis command and orders per Postgres batch while rebuilding. */
const CHUNK = 1000;
const LOCK_MS = 120_000;
/** How often, and how many times, the rebuild looks whether late writes are still landing. */
const SETTLE_POLL_MS = 300;
const SETTLE_POLLS = 20;

/**
 * Rebuilds one sale's Redis state from Postgres, for a Redis that came back empty, or was
 * rolled back (a replica promoted before it had its primary's last writes):
 *
 * 1. Pause: the sale's state hash is replaced by a bare marker, so every script fails closed
 *    (purchases and transitions answer 503) while the rest is rebuilt, and waiting buyers
 *    are told (`paused:<sale>`).
 * 2. Flush: whatever Redis still holds that Postgres may not (the outbox, queued persistence
 *    jobs) is written to Postgres first, idempotently.
 * 3. Read Postgres and plan (planRebuild): holds, statuses, deadlines, buyers' counts,
 *    Idempotency-Keys, F-codes, registrations; counters recomputed from the orders.
 * 4. Load the keys, then arm the sale and write its counters in one transaction that only
 *    commits while this rebuilder still holds the sale's rebuild lock.
 * 5. Record the rebuild (epoch, loss window) in Postgres and announce `resumed:<sale>`.
 *
 * The sequence number continues from the highest Postgres persisted, so Redis is never
 * behind Postgres again.
 */
@Injectable()
export class SaleRebuilder {
  private readonly logger = new Logger(SaleRebuilder.name);
  /** Told of what the flush wrote, so rejected orders are settled as the worker settles them. */
  onFlushed?: (result: WriteResult) => Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly db: DataSource,
    private readonly inventory: InventoryService,
    private readonly writer: OrderWriter,
    private readonly queue: OrdersQueue,
    private readonly vetting: JobVetting,
  ) {}

  async rebuild(saleId: string, reason: RebuildReason): Promise<RebuildOutcome> {
    const started = Date.now();
    const k = this.keys.sale(saleId);
    const lockKey = `${k.state}:rebuilding`;
    const token = randomUUID();
    if ((await this.redis.set(lockKey, token, 'PX', LOCK_MS, 'NX')) !== 'OK')
      return { kind: 'busy' };
    try {
      const exists = await this.db.query<{ shards: number }[]>(
        `SELECT "shards" FROM "sales" WHERE "id" = $1`,
        [saleId],
      );
      if (exists.length === 0) return { kind: 'not_found' };
      const shardIds = Array.from({ length: exists[0].shards }, (_, shard) => shard);
      const seqBefore = await this.sequence(saleId, shardIds.length);
      for (const shard of shardIds) await this.pause(saleId, shard);
      let flushed = 0;
      for (const shard of shardIds) flushed += await this.flushOutbox(saleId, shard);
      flushed += await this.flushJobs(saleId);
      await this.settle(saleId);
      const snapshot = await readSnapshot(this.db, saleId);
      if (!snapshot) return { kind: 'not_found' };
      const now = await this.inventory.now();
      const requeueMs = this.config.recovery.requeueSeconds * 1000;
      const plans =
        shardIds.length > 1
          ? planShardedRebuild(snapshot, now, requeueMs)
          : [planRebuild(snapshot, now, requeueMs)];
      for (const shard of shardIds) await this.load(saleId, plans[shard], shard);
      // Shard 0 last: the sale counts as armed once it is, and its commit checks the lock.
      for (const shard of shardIds.slice(1)) await this.commitShard(saleId, plans[shard], shard);
      await this.commit(saleId, plans[0], lockKey, token);
      const plan = total(plans);
      const newest = snapshot.orders.reduce(
        (max, o) => Math.max(max, o.createdAt.getTime()),
        snapshot.sale.startsAt.getTime(),
      );
      const lostFrom = new Date(Math.min(newest, started) - this.config.recovery.lossMarginMs);
      const report: RebuildReport = {
        saleId,
        reason,
        epoch: plan.counters.epoch,
        redisSeq: seqBefore,
        postgresSeq: snapshot.sale.redisSeq,
        flushed,
        orders: plan.counters.orders,
        remaining: plan.counters.remaining,
        held: plan.counters.held,
        paid: plan.counters.paid,
        lostFrom: lostFrom.toISOString(),
        lostTo: new Date(started).toISOString(),
        tookMs: Date.now() - started,
      };
      await this.record(report, new Date(started));
      const channel = this.keys.sale(saleId).events;
      await this.redis.spublish(channel, saleEventCodec.encode({ kind: 'resumed', saleId }));
      if (plan.counters.remaining > 0)
        await this.redis.spublish(channel, saleEventCodec.encode({ kind: 'available', saleId }));
      this.logger.warn(
        `sale ${saleId} rebuilt from Postgres (${reason}): epoch ${report.epoch}, ${report.orders} orders, ` +
          `${report.remaining} remaining, ${flushed} entries flushed, in ${report.tookMs} ms`,
      );
      return { kind: 'rebuilt', report };
    } finally {
      // Released only if still ours (a rebuild slower than the lock lost it to another).
      if ((await this.redis.get(lockKey)) === token) await this.redis.del(lockKey);
    }
  }

  /**
   * The highest outbox sequence number Redis handed out for the sale, null when its state is
   * gone (shard k of a sharded sale numbers `seq * shards + k`).
   */
  private async sequence(saleId: string, shards: number): Promise<number | null> {
    const seqs = await Promise.all(
      Array.from({ length: shards }, (_, k) =>
        this.redis.hget(this.keys.sale(saleId, k).state, 'seq'),
      ),
    );
    if (seqs.every((seq) => seq === null)) return null;
    if (shards === 1) return Number(seqs[0]);
    return Math.max(...seqs.map((seq, k) => (seq === null ? 0 : Number(seq) * shards + k)));
  }

  /**
   * Every script of the shard fails closed from here on: the state hash holds only the marker.
   * (A sharded sale's transfers start afresh: what was in flight is recomputed as unheld.)
   */
  private async pause(saleId: string, shard: number): Promise<void> {
    const k = this.keys.sale(saleId, shard);
    await this.redis
      .multi()
      .del(k.state, k.buyers, k.idempotency, k.holds, k.closed, k.expiries, k.fcodes)
      .del(k.fcodeReservations, k.fcodeLedger, k.fcodeFrees)
      .del(k.tickets, k.prequeue, k.admits, k.admitsAt, k.admissionsUsed, k.shuffleLock)
      // The line is rebuilt empty, held tickets with it; the suspects stay flagged.
      .del(k.held)
      .del(k.transfers, k.transfersPending)
      .hset(k.state, 'paused', '1')
      .exec();
    if (shard === 0)
      await this.redis.spublish(k.events, saleEventCodec.encode({ kind: 'paused', saleId }));
  }

  /** Writes what only the shard's outbox still holds to Postgres, then drops the outbox. */
  private async flushOutbox(saleId: string, shard: number): Promise<number> {
    const outbox = this.keys.sale(saleId, shard).outbox;
    const entries = (await this.redis.xrange(outbox, '-', '+')) as [string, string[]][];
    const orders: AcceptedOrder[] = entries.map(([, fields]) =>
      outboxEntryCodec.decode(saleId, fields),
    );
    await this.write(orders);
    // The rebuilt sale starts a fresh outbox (arm-sale.lua creates it with its group).
    await this.redis.del(outbox);
    return orders.length;
  }

  /**
   * Writes the sale's orders still in queued persistence jobs to Postgres: only those of jobs
   * the worker itself would write (JobVetting), so a forged job lying in the queue, failed or
   * not, never reaches Postgres this way either.
   */
  private async flushJobs(saleId: string): Promise<number> {
    const orders: AcceptedOrder[] = [];
    const jobs = await this.queue.queue.getJobs([
      'waiting',
      'active',
      'delayed',
      'prioritized',
      'failed',
    ]);
    for (const job of jobs) {
      const mentions = (job?.data as { orders?: { saleId?: unknown }[] } | undefined)?.orders;
      if (!Array.isArray(mentions) || !mentions.some((o) => o?.saleId === saleId)) continue;
      const vetting = await this.vetting.vet(job.data);
      if (!vetting.ok) {
        this.logger.warn(`job ${job.id ?? '?'} left out of the flush: ${vetting.reason}`);
        continue;
      }
      for (const order of vetting.orders) if (order.saleId === saleId) orders.push(order);
    }
    await this.write(orders);
    return orders.length;
  }

  private async write(orders: AcceptedOrder[]): Promise<void> {
    for (let i = 0; i < orders.length; i += CHUNK) {
      const result = await this.writer.write(orders.slice(i, i + CHUNK));
      await this.onFlushed?.(result);
    }
  }

  /**
   * Waits until Postgres stops receiving the sale's orders: a worker may still hold a batch
   * it took from the queue before Redis failed. Bounded; whatever lands later is found by
   * the recovery check (Postgres's count of orders above Redis's) and rebuilt again.
   */
  private async settle(saleId: string): Promise<void> {
    let previous = -1;
    for (let i = 0; i < SETTLE_POLLS; i++) {
      const [row] = await this.db.query<{ n: string }[]>(
        `SELECT "orders_count" AS n FROM "sales" WHERE "id" = $1`,
        [saleId],
      );
      const count = Number(row?.n ?? 0);
      if (count === previous) return;
      previous = count;
      await sleep(SETTLE_POLL_MS);
    }
  }

  /** The bulk of the shard's state, written while the sale is paused. */
  private async load(saleId: string, plan: RebuildPlan, shard: number): Promise<void> {
    const k = this.keys.sale(saleId, shard);
    const hashes: [string, [string, string][]][] = [
      [k.holds, plan.holds],
      [k.closed, plan.closed],
      [k.idempotency, plan.idempotency],
      [k.fcodes, plan.fcodes],
      [k.fcodeLedger, plan.fcodeLedger],
      [k.buyers, plan.buyers.map(([buyer, units]) => [buyer, String(units)])],
    ];
    for (const [key, pairs] of hashes) {
      for (let i = 0; i < pairs.length; i += CHUNK) {
        await this.redis.hset(key, Object.fromEntries(pairs.slice(i, i + CHUNK)));
      }
    }
    for (let i = 0; i < plan.expiries.length; i += CHUNK) {
      const chunk = plan.expiries.slice(i, i + CHUNK);
      await this.redis.zadd(k.expiries, ...chunk.flatMap(([id, ms]) => [ms, id]));
    }
    for (let i = 0; i < plan.admissionsUsed.length; i += CHUNK) {
      await this.redis.sadd(k.admissionsUsed, ...plan.admissionsUsed.slice(i, i + CHUNK));
    }
    for (let i = 0; i < plan.registrations.length; i += CHUNK) {
      const pipeline = this.redis.pipeline();
      for (const r of plan.registrations.slice(i, i + CHUNK)) {
        pipeline.hset(
          this.keys.registrationBucket(saleId, r.bucket, shard),
          r.field,
          r.registeredMs,
        );
      }
      await pipeline.exec();
    }
  }

  /**
   * Arms the sale and writes its counters in one transaction, committed only while the lock
   * is still this rebuilder's (WATCH): a rebuild that took too long and lost its lock to a
   * newer one changes nothing.
   */
  private async commit(saleId: string, plan: RebuildPlan, lockKey: string, token: string) {
    const k = this.keys.sale(saleId);
    await this.redis.watch(lockKey);
    if ((await this.redis.get(lockKey)) !== token) {
      await this.redis.unwatch();
      throw new Error(`rebuild of sale ${saleId} lost its lock`);
    }
    const tx = this.redis.multi().del(k.state);
    this.inventory.armInTransaction(tx, plan.arm);
    tx.hset(k.state, plan.counters);
    const result = await tx.exec();
    if (result === null) throw new Error(`rebuild of sale ${saleId} lost its lock`);
    for (const [err] of result) if (err) throw err;
    await this.inventory.list(plan.arm);
  }

  /**
   * Arms one of shards 1.. and writes its counters in one transaction of its own slot. The
   * lock lives in shard 0's slot, which a transaction here cannot watch, so it is checked
   * just before; shard 0's commit, which does watch it, comes last.
   */
  private async commitShard(saleId: string, plan: RebuildPlan, shard: number): Promise<void> {
    const k = this.keys.sale(saleId, shard);
    const tx = this.redis.multi().del(k.state);
    this.inventory.armInTransaction(tx, plan.arm);
    tx.hset(k.state, plan.counters);
    const result = await tx.exec();
    for (const [err] of result ?? []) if (err) throw err;
  }

  private async record(report: RebuildReport, startedAt: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE "sales" SET "epoch" = $2, "regressed_at" = NULL WHERE "id" = $1`, [
        report.saleId,
        report.epoch,
      ]);
      await tx.query(
        `INSERT INTO "sale_rebuilds" ("id", "sale_id", "epoch", "reason", "redis_seq", "postgres_seq",
           "lost_from", "lost_to", "orders", "live_units", "started_at", "finished_at")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())`,
        [
          randomUUID(),
          report.saleId,
          report.epoch,
          report.reason,
          report.redisSeq,
          report.postgresSeq,
          report.lostFrom,
          report.lostTo,
          report.orders,
          report.held + report.paid,
          startedAt,
        ],
      );
    });
  }
}

/** The counters of the whole sale, over its shards' plans (one plan: that one's). */
function total(plans: RebuildPlan[]): RebuildPlan {
  if (plans.length === 1) return plans[0];
  const sum = (f: (c: RebuildPlan['counters']) => number) =>
    plans.reduce((n, p) => n + f(p.counters), 0);
  return {
    ...plans[0],
    counters: {
      ...plans[0].counters,
      remaining: sum((c) => c.remaining),
      held: sum((c) => c.held),
      paid: sum((c) => c.paid),
      orders: sum((c) => c.orders),
    },
  };
}
