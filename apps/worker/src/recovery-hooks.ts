import { Injectable, OnModuleInit } from '@nestjs/common';
import { SaleRebuilder, SaleRecovery } from '@flash/recovery';
import { RejectedOrders } from './rejected-orders';
import { WorkerMetrics } from './worker-metrics';

/** Connects the sale rebuild to the worker: rejections settled, rebuilds counted. */
@Injectable()
export class RecoveryHooks implements OnModuleInit {
  constructor(
    private readonly rebuilder: SaleRebuilder,
    private readonly recovery: SaleRecovery,
    private readonly rejections: RejectedOrders,
    private readonly metrics: WorkerMetrics,
  ) {}

  onModuleInit(): void {
    this.rebuilder.onFlushed = (result) => this.rejections.settle(result);
    this.recovery.onRebuilt = (report) => this.metrics.rebuilds.labels(report.reason).inc();
  }
}
