import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { InventoryService, SalePulse, saleEventCodec } from '@flash/inventory';
import { AuditLoop, Periodic } from '@flash/recovery';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';

/**
 * Once a second, each active sale's counters on its events channel (`pulse:`): every API
 * instance already listens there, so the live pages (stock, the operator's counters) cost
 * one read per sale per second for the whole deployment, none per open page. With several
 * workers the first to take the sale's pulse lock for the interval sends it.
 */
@Injectable()
export class SalePulsePublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SalePulsePublisher.name);
  private readonly periodic = new Periodic('sale pulse', this.logger);
  /** The pulses this worker sent last, by sale, with when (this process's clock), for the metrics. */
  readonly latest = new Map<string, { pulse: SalePulse; sentAt: number }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly inventory: InventoryService,
    private readonly db: DataSource,
    private readonly audits: AuditLoop,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.pulseIntervalMs;
    if (every > 0 && this.config.purchaseStrategy === 'redis') {
      this.periodic.start(every, () => this.publishAll());
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.periodic.stop();
  }

  /** One pulse of every active sale this worker holds the lock of; returns those sent. */
  async publishAll(): Promise<SalePulse[]> {
    const saleIds = await this.inventory.activeSaleIds();
    for (const saleId of this.latest.keys())
      if (!saleIds.includes(saleId)) this.latest.delete(saleId);
    const mine: string[] = [];
    for (const saleId of saleIds) if (await this.takeTurn(saleId)) mine.push(saleId);
    if (mine.length === 0) return [];
    const persisted = await this.persistedOrders(mine);
    const sent: SalePulse[] = [];
    for (const saleId of mine) {
      const pulse = await this.read(saleId, persisted.get(saleId) ?? 0);
      if (!pulse) continue;
      const message = saleEventCodec.encode({ kind: 'pulse', saleId, pulse });
      await this.redis.spublish(this.keys.sale(saleId).events, message);
      this.latest.set(saleId, { pulse, sentAt: Date.now() });
      sent.push(pulse);
    }
    return sent;
  }

  private async takeTurn(saleId: string): Promise<boolean> {
    const hold = Math.max(1, Math.floor(this.config.pulseIntervalMs * 0.9));
    const ok = await this.redis.set(this.keys.sale(saleId).pulseLock, '1', 'PX', hold, 'NX');
    return ok === 'OK';
  }

  /** Order rows per sale, in one query for all of them (the index on (sale_id, id) serves it). */
  private async persistedOrders(saleIds: string[]): Promise<Map<string, number>> {
    const rows = await this.db.query<{ sale_id: string; n: number }[]>(
      `SELECT "sale_id", count(*)::int AS n FROM "orders" WHERE "sale_id" = ANY($1::uuid[]) GROUP BY "sale_id"`,
      [saleIds],
    );
    return new Map(rows.map((r) => [r.sale_id, r.n]));
  }

  private async read(saleId: string, persisted: number): Promise<SalePulse | null> {
    const [counters, mechanics, at] = await Promise.all([
      this.inventory.counters(saleId),
      this.inventory.mechanicsCounters(saleId),
      this.inventory.now(),
    ]);
    if (!counters) return null; // lost or being rebuilt: the recovery's, and the pages hear "paused"
    const audit = this.audits.latest.get(saleId)?.counts ?? null;
    return {
      at,
      stock: counters.stock,
      remaining: counters.remaining,
      held: counters.held,
      paid: counters.paid,
      orders: counters.orders,
      pipelineLag: Math.max(0, counters.orders - persisted),
      queue: mechanics.queue,
      registrations: mechanics.registrations,
      audit: audit ? { ...audit } : null,
    };
  }
}

/** The pulses another worker may have sent since: older than this, a pulse is not reported. */
export const PULSE_FRESH_MS = 5000;
