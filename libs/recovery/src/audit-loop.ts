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
import { AuditReport, SaleAuditor } from './sale-auditor';

/**
 * The worker's live auditor: every AUDIT_INTERVAL_MS it audits each live sale Redis holds
 * (those it lost are the recovery's), repairs what is safe and keeps the latest report of
 * each for the metrics.
 */
@Injectable()
export class AuditLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditLoop.name);
  private running = false;
  private loop?: Promise<void>;
  /** The latest report of each audited sale. */
  readonly latest = new Map<string, AuditReport>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: SaleHealthService,
    private readonly auditor: SaleAuditor,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.recovery.auditIntervalMs === 0) return;
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      await sleep(this.config.recovery.auditIntervalMs);
      if (!this.running) return;
      try {
        await this.auditOnce();
      } catch (err) {
        this.logger.warn(`audit failed, retrying: ${(err as Error).message}`);
      }
    }
  }

  async auditOnce(): Promise<AuditReport[]> {
    const reports: AuditReport[] = [];
    const live = new Set<string>();
    for (const sale of await this.health.check()) {
      if (sale.condition !== 'healthy') continue;
      live.add(sale.saleId);
      const report = await this.auditor.audit(sale.saleId);
      if (!report) continue;
      reports.push(report);
      this.latest.set(sale.saleId, report);
      const found = Object.entries(report.counts).filter(([, n]) => n > 0);
      if (found.length > 0) {
        this.logger.warn(
          `audit of sale ${sale.saleId}: ${found.map(([kind, n]) => `${n} ${kind}`).join(', ')}; ${report.resent} resent`,
        );
      }
    }
    // Sales no longer live leave the metrics.
    for (const saleId of this.latest.keys()) if (!live.has(saleId)) this.latest.delete(saleId);
    return reports;
  }
}
