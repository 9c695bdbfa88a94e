import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { REDIS, RedisKeys, createRedis } from '@flash/redis';

const SOLD_OUT = 'sold_out:';

/**
 * Remembers sold-out sales in process memory so that the flood of late attempts is
 * answered without a Redis round trip. One instance learning it tells all others
 * over pub/sub.
 */
@Injectable()
export class SoldOutRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SoldOutRegistry.name);
  private readonly soldOut = new Set<string>();
  private subscriber?: Redis;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: RedisKeys,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscriber = createRedis(this.config.redisUrl, 'flash-sale-events');
    this.subscriber.on('message', (_channel: string, message: string) => this.onMessage(message));
    await this.subscriber.subscribe(this.keys.events);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  isSoldOut(saleId: string): boolean {
    return this.soldOut.has(saleId);
  }

  /** Records the sale as sold out here and tells the other instances. */
  markSoldOut(saleId: string): void {
    if (this.soldOut.has(saleId)) return;
    this.soldOut.add(saleId);
    this.redis.publish(this.keys.events, SOLD_OUT + saleId).catch((err: Error) => {
      // Others will learn it from their own next attempt; nothing is lost.
      this.logger.warn(`could not publish sold-out for ${saleId}: ${err.message}`);
    });
  }

  private onMessage(message: string): void {
    if (message.startsWith(SOLD_OUT)) this.soldOut.add(message.slice(SOLD_OUT.length));
  }
}
