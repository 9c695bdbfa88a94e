import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { RedisClient, RedisKeys, createRedis } from '@flash/redis';
import { SaleEvent, saleEventCodec } from './scripts/codecs';

/**
 * Remembers sold-out sales in process memory so that the flood of late attempts is
 * answered without a Redis round trip. Both events are published by the Lua scripts, so
 * every instance sees them in the order Redis ran the scripts.
 *
 * A purchase answer read on the command connection may arrive after a later "available"
 * event on the subscriber connection; a per-sale generation, bumped by each "available",
 * keeps such a stale answer from marking the sale sold out again.
 */
@Injectable()
export class SoldOutRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly soldOut = new Set<string>();
  private readonly generations = new Map<string, number>();
  private subscriber?: RedisClient;
  private readonly listeners = new Set<(event: SaleEvent) => void>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: RedisKeys,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscriber = createRedis(this.config, 'flash-sale-events');
    this.subscriber.on('message', (_channel: string, message: string) => this.onMessage(message));
    await this.subscriber.subscribe(this.keys.events);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  isSoldOut(saleId: string): boolean {
    return this.soldOut.has(saleId);
  }

  /** Read before asking Redis; hand back to {@link markSoldOut} with the answer. */
  generation(saleId: string): number {
    return this.generations.get(saleId) ?? 0;
  }

  /** Remembers a sell-out seen in a purchase answer, unless units came back since. */
  markSoldOut(saleId: string, generationAtRequest: number): void {
    if (this.generation(saleId) === generationAtRequest) this.soldOut.add(saleId);
  }

  /** Every sale event this instance receives (the waiting room's followers listen too). */
  listen(listener: (event: SaleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Exposed for tests: what a pub/sub message does. */
  onMessage(message: string): void {
    const event = saleEventCodec.decode(message);
    if (!event) return;
    for (const listener of this.listeners) listener(event);
    if (event.kind === 'sold_out') {
      this.soldOut.add(event.saleId);
    } else if (event.kind === 'available') {
      this.generations.set(event.saleId, this.generation(event.saleId) + 1);
      this.soldOut.delete(event.saleId);
    }
  }
}
