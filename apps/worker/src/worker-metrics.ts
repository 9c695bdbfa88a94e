import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '@flash/metrics';

@Injectable()
export class WorkerMetrics {
  readonly persisted: Counter;
  readonly duplicates: Counter;
  readonly batchSize: Histogram;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.persisted = new Counter({
      name: 'flash_orders_persisted_total',
      help: 'Order rows written.',
      registers,
    });
    this.duplicates = new Counter({
      name: 'flash_orders_duplicate_deliveries_total',
      help: 'Order jobs whose row already existed (redelivery).',
      registers,
    });
    this.batchSize = new Histogram({
      name: 'flash_order_batch_size',
      help: 'Rows per INSERT.',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    });
  }
}
