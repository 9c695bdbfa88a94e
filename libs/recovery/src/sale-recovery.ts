import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { Periodic } from './periodic';
import { SaleHealthService } from './sale-health';
import { RebuildReport, SaleRebuilder } from './sale-rebuilder';

/**
 * The worker's watch over live sales: every REBUILD_CHECK_INTERVAL_MS it asks which sales
 * Redis lost or rolled back, and rebuilds each from Postgres. Several workers may watch at
 * once: the rebuild lock lets one of them do each rebuild.
 */
@Injectable()
export class SaleRecovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly periodic = new Periodic('sale check', new Logger(SaleRecovery.name));
  readonly rebuilt: RebuildReport[] = [];
  onRebuilt?: (report: RebuildReport) => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: SaleHealthService,
    private readonly rebuilder: SaleRebuilder,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.recovery.auto)
      this.periodic.start(this.config.recovery.checkIntervalMs, () => this.checkOnce());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.periodic.stop();
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
