import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { RedisClient, RedisKeys, createRedis } from '@flash/redis';
import { SaleEvent, saleEventCodec } from './scripts/codecs';

/** Sales one instance follows at most; past it the longest-followed is let go. */
export const MAX_FOLLOWED_SALES = 10_000;

/**
 * Remembers sold-out sales in process memory so that the flood of late attempts is
 * answered without a Redis round trip, and hands every sale event to the listeners (the
 * waiting room's followers). The events are published by the Lua scripts on each sale's
 * shard channel, so an instance sees them in the order Redis ran the scripts.
 *
 * An instance follows a sale once it has seen the sale exist (a purchase answer, a queue
 * stream): on a cluster each subscription goes to the sale's own primary, and no node
 * carries the events of sales it does not hold.
 *
 * A sell-out is remembered only while the sale's channel is subscribed, otherwise an
 * "available" could go unheard and the sale stay sold out here for good. A purchase answer
 * read on the command connection may also arrive after a later "available" on the subscriber
 * connection; a per-sale generation, bumped by each "available", keeps such a stale answer
 * from marking the sale sold out again.
 */
@Injectable()
export class SoldOutRegistry implements OnApplicationShutdown {
  private readonly logger = new Logger(SoldOutRegistry.name);
  private readonly soldOut = new Set<string>();
  private readonly generations = new Map<string, number>();
  /** Sales followed, oldest first: the subscription under way or done. */
  private readonly followed = new Map<string, Promise<void>>();
  /** Sales whose channel is subscribed now. */
  private readonly subscribed = new Set<string>();
  private subscriber?: RedisClient;
  private readonly listeners = new Set<(event: SaleEvent) => void>();
  protected readonly maxFollowed: number = MAX_FOLLOWED_SALES;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: RedisKeys,
  ) {}

  /** Created with the first sale followed: a process that follows none (the worker) has none. */
  private connect(): RedisClient {
    if (this.subscriber) return this.subscriber;
    const subscriber = createRedis(this.config, 'flash-sale-events', { shardedSubscriber: true });
    subscriber.on('smessage', (_channel: string, message: string) => this.onMessage(message));
    // Events sent while the subscriber was away were missed: what it remembered may be stale.
    let connected = false;
    subscriber.on('ready', () => {
      if (connected) this.forgetSellOuts();
      connected = true;
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  isSoldOut(saleId: string): boolean {
    return this.soldOut.has(saleId);
  }

  /**
   * Read before asking Redis; hand back to {@link markSoldOut} with the answer. Null while
   * the sale's events are not subscribed: an answer then is not remembered.
   */
  generation(saleId: string): number | null {
    return this.subscribed.has(saleId) ? (this.generations.get(saleId) ?? 0) : null;
  }

  /** Remembers a sell-out seen in a purchase answer, unless units came back since. */
  markSoldOut(saleId: string, generationAtRequest: number | null): void {
    if (generationAtRequest !== null && this.generation(saleId) === generationAtRequest)
      this.soldOut.add(saleId);
  }

  /** Subscribes to a sale's events, once; resolves when the subscription is in place. */
  follow(saleId: string): Promise<void> {
    const known = this.followed.get(saleId);
    if (known) return known;
    const subscriber = this.connect();
    if (this.followed.size >= this.maxFollowed) this.unfollowOldest(subscriber);
    const subscribing = subscriber.ssubscribe(this.keys.sale(saleId).events).then(
      () => {
        this.subscribed.add(saleId);
      },
      (err: Error) => {
        this.followed.delete(saleId);
        throw err;
      },
    );
    this.followed.set(saleId, subscribing);
    return subscribing;
  }

  /** {@link follow} for callers that do not wait: a failure is reported, the next call retries. */
  watch(saleId: string): void {
    if (this.subscribed.has(saleId)) return;
    this.follow(saleId).catch((err: Error) =>
      this.logger.warn(`following sale ${saleId}'s events failed: ${err.message}`),
    );
  }

  get followedSales(): number {
    return this.followed.size;
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
      this.bump(event.saleId);
      this.soldOut.delete(event.saleId);
    }
  }

  private bump(saleId: string): void {
    this.generations.set(saleId, (this.generations.get(saleId) ?? 0) + 1);
  }

  /** After a reconnection: every sale is asked again, and answers already in flight are not trusted. */
  private forgetSellOuts(): void {
    for (const saleId of this.followed.keys()) this.bump(saleId);
    this.soldOut.clear();
  }

  private unfollowOldest(subscriber: RedisClient): void {
    const oldest = this.followed.keys().next().value;
    if (oldest === undefined) return;
    this.followed.delete(oldest);
    this.subscribed.delete(oldest);
    this.soldOut.delete(oldest);
    this.bump(oldest);
    subscriber
      .sunsubscribe(this.keys.sale(oldest).events)
      .catch((err: Error) => this.logger.warn(`leaving sale ${oldest}'s events: ${err.message}`));
  }
}
