import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { MetricsService } from '@flash/metrics';
import { OrdersQueue, OutboxRelay } from '@flash/orders';
import { REDIS, RedisKeys } from '@flash/redis';
import { QueueFollowers } from '@flash/waiting-room';

/** Gauges read at scrape time: queue depth, each active sale's stock, relay progress. */
@Injectable()
export class ApiGauges implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly queue: OrdersQueue,
    private readonly relay: OutboxRelay,
    private readonly keys: RedisKeys,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly followers: QueueFollowers,
  ) {}

  onModuleInit(): void {
    this.metrics.gauge(
      'flash_queue_followers',
      'Buyers following their waiting-room ticket over server-sent events on this instance.',
      [],
      (g) => {
        g.set(this.followers.size);
        return Promise.resolve();
      },
    );
    this.metrics.gauge(
      'flash_orders_queue_jobs',
      'Jobs in the orders queue by state.',
      ['state'],
      async (g) => {
        const counts = await this.queue.depth();
        for (const [state, n] of Object.entries(counts)) g.set({ state }, n);
      },
    );
    this.metrics.gauge(
      'flash_sale_units',
      'Units of each active sale by state (Redis).',
      ['sale', 'state'],
      async (g) => {
        const saleIds = await this.redis.smembers(this.keys.activeSales);
        const pipeline = this.redis.pipeline();
        for (const id of saleIds)
          pipeline.hmget(this.keys.sale(id).state, 'stock', 'remaining', 'held', 'paid');
        const results = (await pipeline.exec()) ?? [];
        saleIds.forEach((sale, i) => {
          const values = results[i]?.[1] as (string | null)[] | undefined;
          if (!values) return;
          ['stock', 'remaining', 'held', 'paid'].forEach((state, j) => {
            if (values[j] !== null) g.set({ sale, state }, Number(values[j]));
          });
        });
      },
    );
    this.metrics.gauge(
      'flash_outbox_relayed_orders',
      'Orders this instance moved from the outbox to the queue.',
      [],
      (g) => {
        g.set(this.relay.relayed);
        return Promise.resolve();
      },
    );
  }
}
