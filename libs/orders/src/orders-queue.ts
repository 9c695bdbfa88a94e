import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { OrderJob, PERSIST_ORDER_JOB } from './order-job';

export function bullConnection(config: AppConfig) {
  const url = new URL(config.redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    // Required by BullMQ for blocking connections; harmless for the producer.
    maxRetriesPerRequest: null,
  };
}

/** Producer side of the order pipeline. */
@Injectable()
export class OrdersQueue implements OnApplicationShutdown {
  readonly queue: Queue<OrderJob>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.queue = new Queue<OrderJob>(config.queue.ordersQueue, {
      connection: bullConnection(config),
      prefix: config.queue.prefix,
    });
  }

  /** Adds the orders as jobs; the job id is the order id, so a re-add of a waiting job is a no-op. */
  async addMany(orders: OrderJob[]): Promise<void> {
    if (orders.length === 0) return;
    await this.queue.addBulk(
      orders.map((data) => ({
        name: PERSIST_ORDER_JOB,
        data,
        opts: {
          jobId: data.orderId,
          attempts: this.config.queue.attempts,
          backoff: { type: 'exponential', delay: this.config.queue.backoffMs },
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 10_000 },
        },
      })),
    );
  }

  async depth(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
