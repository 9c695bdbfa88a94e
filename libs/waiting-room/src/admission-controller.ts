import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { AdmitResult, InventoryService, ScriptGateway } from '@flash/inventory';
import { RedisClient, RedisKeys, createRedis } from '@flash/redis';
import { shuffleInPlace } from './shuffle';

/** Buyers per LRANGE and per place-prequeue.lua call. */
const CHUNK = 5_000;
/** How long one controller may hold the shuffle before another may take over. */
const SHUFFLE_LOCK_MS = 120_000;

export interface AdmitPass extends AdmitResult {
  saleId: string;
}

/**
 * Runs in the worker: every ADMISSION_TICK_MS, for each sale with a waiting room, lets the
 * next buyers in (admit-queue.lua paces it on the Redis clock, so several workers can run
 * this at once and still never exceed the rate) and, once at the opening, shuffles the
 * pre-queue. A sale that has ended leaves the set of queued sales.
 */
@Injectable()
export class AdmissionController implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AdmissionController.name);
  private redis?: RedisClient;
  /** The scripts, on the controller's own connection. */
  private scripts?: ScriptGateway;
  private running = false;
  private loop?: Promise<void>;
  /** Called with each pass that let buyers in (the worker counts them in its metrics). */
  onAdmitted?: (saleId: string, admitted: number) => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: RedisKeys,
    private readonly gateway: ScriptGateway,
    private readonly inventory: InventoryService,
  ) {}

  onApplicationBootstrap(): void {
    this.connect();
    this.running = true;
    this.loop = this.run();
  }

  /** Opens the controller's connection; tests call this and drive tick() themselves. */
  connect(): void {
    if (this.redis) return;
    this.redis = createRedis(this.config, 'flash-sale-admission');
    this.scripts = this.gateway.on(this.redis);
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
    const redis = this.redis;
    await redis?.quit().catch(() => redis.disconnect());
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      try {
        await this.tick();
      } catch (err) {
        this.logger.warn(`admission pass failed, retrying: ${(err as Error).message}`);
      }
      await sleep(Math.max(0, this.config.waitingRoom.tickMs - (Date.now() - started)));
    }
  }

  /** One pass over every queued sale. */
  async tick(): Promise<AdmitPass[]> {
    const redis = this.redis;
    if (!redis) return [];
    const passes: AdmitPass[] = [];
    for (const saleId of await redis.smembers(this.keys.queuedSales)) {
      const pass = await this.admit(saleId);
      passes.push(pass);
      if (pass.kind === 'shuffle_pending') await this.shuffle(saleId);
      if (pass.kind === 'ended' || pass.kind === 'not_enabled') {
        await redis.srem(this.keys.queuedSales, saleId);
      }
    }
    return passes;
  }

  async admit(saleId: string): Promise<AdmitPass> {
    // A sharded sale's queue is in shard 0, its stock and used admissions over every shard.
    const shards = await this.inventory.shards.of(saleId);
    const saleWide = shards > 1 ? await this.inventory.shards.saleWide(saleId, shards) : undefined;
    const result = await this.scripts!.run('admitQueue', { saleId, saleWide });
    if (result.admitted > 0) this.onAdmitted?.(saleId, result.admitted);
    return { saleId, ...result };
  }

  /**
   * Places the sealed pre-queue in a random order: tickets 1..P. Nobody is admitted until
   * the last chunk is placed. Returns false if another controller holds or finished it.
   */
  async shuffle(saleId: string): Promise<boolean> {
    const redis = this.redis!;
    const k = this.keys.sale(saleId);
    const lock = k.shuffleLock;
    const token = randomUUID();
    if ((await redis.set(lock, token, 'PX', SHUFFLE_LOCK_MS, 'NX')) !== 'OK') return false;
    const size = Number(await redis.hget(k.state, 'wr_pre'));
    const buyers: string[] = [];
    for (let start = 0; start < size; start += CHUNK) {
      buyers.push(...(await redis.lrange(k.prequeue, start, Math.min(size, start + CHUNK) - 1)));
    }
    shuffleInPlace(buyers);
    for (let start = 0; start < buyers.length; start += CHUNK) {
      const chunk = buyers.slice(start, start + CHUNK);
      const placed = await this.scripts!.run('placePrequeue', {
        saleId,
        lockToken: token,
        firstTicket: start + 1,
        last: start + CHUNK >= buyers.length,
        buyers: chunk,
      });
      if (placed !== 'placed') return false;
    }
    this.logger.log(`sale ${saleId}: pre-queue of ${buyers.length} shuffled and placed`);
    return true;
  }
}
