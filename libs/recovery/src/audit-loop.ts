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
import { AuditReport, SaleAuditor } from './sale-auditor';

/**
 * The worker's live auditor: every AUDIT_INTERVAL_MS it audits each live sale Redis holds
 * (those it lost are the recovery's), repairs what is safe and keeps the latest report of
 * each for the metrics.
 */
@Injectable()
export class AuditLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditLoop.name);
  private readonly periodic = new Periodic('audit', this.logger);
  /** The latest report of each audited sale. */
  readonly latest = new Map<string, AuditReport>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: SaleHealthService,
    private readonly auditor: SaleAuditor,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.recovery.auditIntervalMs;
    if (every > 0) this.periodic.start(every, () => this.auditOnce(), true);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.periodic.stop();
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
