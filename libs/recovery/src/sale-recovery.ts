import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { SaleHealthService } from './sale-health';
import { RebuildReport, SaleRebuilder } from './sale-rebuilder';

/**
 * The worker's watch over live sales: every REBUILD_CHECK_INTERVAL_MS it asks which sales
 * Redis lost or rolled back, and rebuilds each from Postgres. Several workers may watch at
 * once: the rebuild lock lets one of them do each rebuild.
 */
@Injectable()
export class SaleRecovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SaleRecovery.name);
  private running = false;
  private loop?: Promise<void>;
  readonly rebuilt: RebuildReport[] = [];
  onRebuilt?: (report: RebuildReport) => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: SaleHealthService,
    private readonly rebuilder: SaleRebuilder,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.recovery.auto) return;
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.checkOnce();
      } catch (err) {
        this.logger.warn(`sale check failed, retrying: ${(err as Error).message}`);
      }
      await sleep(this.config.recovery.checkIntervalMs);
    }
  }

  /** One pass: rebuilds every sale found missing or regressed; returns their reports. */
  async checkOnce(): Promise<RebuildReport[]> {
    const reports: RebuildReport[] = [];
    for (const sale of await this.health.check()) {
      if (sale.condition !== 'missing' && sale.condition !== 'regressed') continue;
      const outcome = await this.rebuilder.rebuild(sale.saleId, sale.condition);
      if (outcome.kind !== 'rebuilt') continue;
      reports.push(outcome.report);
      this.rebuilt.push(outcome.report);
      this.onRebuilt?.(outcome.report);
    }
    return reports;
  }
}
