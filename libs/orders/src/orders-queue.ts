import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConnectionOptions, Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { clusterOptions, redisOptions } from '@flash/redis';
import { JobSeal } from './job-seal';
import {
  AcceptedOrder,
  EXPIRE_DUE_JOB,
  OrdersJobData,
  PERSIST_ORDERS_JOB,
  PersistOrdersJob,
} from './order-job';
import { CAPPED_BACKOFF, EXPIRY_JOB_ATTEMPTS, UNLIMITED_ATTEMPTS } from './persist-retry';

/**
 * BullMQ's connection: the same server, Sentinel primary or cluster as every other client.
 * BullMQ connects by itself from options; a cluster it must be handed as a client, which
 * the caller then closes (BullMQ leaves a client it was given open). The queue's keys share
 * one slot through the hash tag the config puts in the prefix on a cluster.
 */
export function bullConnection(config: AppConfig): ConnectionOptions {
  // Required by BullMQ for blocking connections; harmless for the producer.
  const connection = { maxRetriesPerRequest: null };
  if (config.redisCluster)
    return new Cluster(config.redisCluster.nodes, clusterOptions(config, connection));
  return { ...redisOptions(config), ...connection };
}

/** Closes a connection bullConnection() made as a client (a cluster's); options need nothing. */
export async function closeBullConnection(connection: ConnectionOptions): Promise<void> {
  if (connection instanceof Cluster) await connection.quit().catch(() => connection.disconnect());
}

/** Producer side of the order pipeline. */
@Injectable()
export class OrdersQueue implements OnApplicationShutdown {
  readonly queue: Queue<OrdersJobData>;
  private readonly connection: ConnectionOptions;
  private readonly seal: JobSeal;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.seal = new JobSeal(config.queue.sealSecret);
    this.connection = bullConnection(config);
    this.queue = new Queue<OrdersJobData>(config.queue.ordersQueue, {
      connection: this.connection,
      prefix: config.queue.prefix,
    });
  }

  /**
   * Enqueues orders read together from one sale's outbox. `batchKey` names the batch by its
   * content (relayBatchKey), so a batch relayed twice gets the same job id. In `order` mode
   * an entry's job is named by its order and status: a payment entry is a different job
   * from the acceptance of the same order, and must never be taken for it.
   */
  async addOrders(orders: AcceptedOrder[], batchKey: string): Promise<void> {
    if (orders.length === 0) return;
    const opts = {
      attempts: UNLIMITED_ATTEMPTS,
      backoff: { type: CAPPED_BACKOFF, delay: this.config.queue.backoffMs },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 10_000 },
    };
    if (this.config.queue.jobMode === 'batch') {
      await this.queue.add(PERSIST_ORDERS_JOB, this.sealed(orders), { ...opts, jobId: batchKey });
    } else {
      await this.queue.addBulk(
        orders.map((order) => ({
          name: PERSIST_ORDERS_JOB,
          data: this.sealed([order]),
          opts: { ...opts, jobId: `${order.orderId}_${order.status}` },
        })),
      );
    }
  }

  /** A persistence job's data, sealed so the worker knows it came from a sale's outbox. */
  sealed(orders: AcceptedOrder[]): PersistOrdersJob {
    return { orders, seal: this.seal.seal(orders) };
  }

  /**
   * Schedules the expiry of a relayed batch for just after its last deadline. The sweep
   * catches anything this job misses (it may run late, or be lost with Redis).
   */
  async scheduleExpiry(saleId: string, batchKey: string, deadlineMs: number): Promise<void> {
    await this.queue.add(
      EXPIRE_DUE_JOB,
      { saleId },
      {
        jobId: `${batchKey}_expiry`,
        delay: Math.max(0, deadlineMs - Date.now() + 50),
        attempts: EXPIRY_JOB_ATTEMPTS,
        backoff: { type: 'exponential', delay: this.config.queue.backoffMs },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 10_000 },
      },
    );
  }

  async depth(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    await closeBullConnection(this.connection);
  }
}
