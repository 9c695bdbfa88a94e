import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { STREAM_KINDS, StreamSlots } from '@flash/live';
import { MetricsService } from '@flash/metrics';
import { InventoryService, SoldOutRegistry } from '@flash/inventory';
import { OrdersQueue, OutboxRelay } from '@flash/orders';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';
import { QueueFollowers } from '@flash/waiting-room';

/** Gauges read at scrape time: queue depth, each active sale's stock, relay progress. */
@Injectable()
export class ApiGauges implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly queue: OrdersQueue,
    private readonly relay: OutboxRelay,
    private readonly keys: RedisKeys,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly followers: QueueFollowers,
    private readonly events: SoldOutRegistry,
    private readonly inventory: InventoryService,
    private readonly slots: StreamSlots,
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
      'flash_event_streams',
      'Server-sent event streams open on this instance, by what they follow.',
      ['kind'],
      (g) => {
        for (const kind of STREAM_KINDS) g.set({ kind }, this.slots.count(kind));
        return Promise.resolve();
      },
    );
    this.metrics.gauge(
      'flash_sales_followed',
      'Sales whose events (sold out, units back, queue head) this instance subscribes to.',
      [],
      (g) => {
        g.set(this.events.followedSales);
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
        // One tick, so auto-pipelining batches them (per node on a cluster); a sharded
        // sale's counters are summed over its shards.
        const results = await Promise.all(saleIds.map((id) => this.inventory.counters(id)));
        saleIds.forEach((sale, i) => {
          const counters = results[i];
          if (!counters) return;
          for (const state of ['stock', 'remaining', 'held', 'paid'] as const)
            g.set({ sale, state }, counters[state]);
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
