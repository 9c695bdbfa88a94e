import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { redisOptions } from '@flash/redis';
import { AcceptedOrder, EXPIRE_DUE_JOB, OrdersJobData, PERSIST_ORDERS_JOB } from './order-job';
import { CAPPED_BACKOFF, EXPIRY_JOB_ATTEMPTS, UNLIMITED_ATTEMPTS } from './persist-retry';

/** BullMQ's connection: the same server or Sentinel primary as every other client. */
export function bullConnection(config: AppConfig) {
  // Required by BullMQ for blocking connections; harmless for the producer.
  return { ...redisOptions(config), maxRetriesPerRequest: null };
}

/** Producer side of the order pipeline. */
@Injectable()
export class OrdersQueue implements OnApplicationShutdown {
  readonly queue: Queue<OrdersJobData>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.queue = new Queue<OrdersJobData>(config.queue.ordersQueue, {
      connection: bullConnection(config),
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
      await this.queue.add(PERSIST_ORDERS_JOB, { orders }, { ...opts, jobId: batchKey });
    } else {
      await this.queue.addBulk(
        orders.map((order) => ({
          name: PERSIST_ORDERS_JOB,
          data: { orders: [order] },
          opts: { ...opts, jobId: `${order.orderId}_${order.status}` },
        })),
      );
    }
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
  }
}
