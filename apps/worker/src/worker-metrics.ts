import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '@flash/metrics';
import { AuditLoop, DISCREPANCY_KINDS, REBUILD_REASONS } from '@flash/recovery';
import { AdmissionController } from '@flash/waiting-room';
import type { SalePulse } from '@flash/inventory';
import { PULSE_FRESH_MS, SalePulsePublisher } from './sale-pulse';

@Injectable()
export class WorkerMetrics {
  readonly persisted: Counter;
  readonly duplicates: Counter;
  readonly batchSize: Histogram;
  readonly expired: Counter;
  readonly admitted: Counter;
  readonly replayed: Counter;
  readonly refused: Counter<'kind'>;
  readonly rejected: Counter;
  readonly refundedAfterRejection: Counter;
  readonly rebuilds: Counter<'reason'>;

  constructor(
    metrics: MetricsService,
    admission: AdmissionController,
    audits: AuditLoop,
    pulses: SalePulsePublisher,
  ) {
    const registers = [metrics.registry];
    // From the pulses this worker sent (one worker per sale per interval: take max by sale).
    const fromPulses = (name: string, help: string, pick: (p: SalePulse) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ['sale'],
        registers,
        collect() {
          this.reset();
          const now = Date.now();
          for (const [sale, { pulse, sentAt }] of pulses.latest) {
            const value = pick(pulse);
            if (now - sentAt <= PULSE_FRESH_MS && value !== null) this.labels(sale).set(value);
          }
        },
      });
    fromPulses(
      'flash_sale_pipeline_lag',
      'Accepted orders of each active sale not in Postgres yet (from the sale pulse).',
      (p) => p.pipelineLag,
    );
    fromPulses(
      'flash_sale_queue_waiting',
      "Buyers waiting in each active sale's line (from the sale pulse).",
      (p) => p.queue?.waiting ?? null,
    );
    new Gauge({
      name: 'flash_audit_discrepancies',
      help: 'What the latest audit of each live sale found, by kind (Redis against Postgres).',
      labelNames: ['sale', 'kind'],
      registers,
      collect() {
        this.reset();
        for (const report of audits.latest.values()) {
          for (const kind of DISCREPANCY_KINDS) {
            this.labels(report.saleId, kind).set(report.counts[kind]);
          }
        }
      },
    });
    this.admitted = new Counter({
      name: 'flash_queue_admitted_total',
      help: "Buyers this worker's admission controller let into a sale's waiting room.",
      registers,
    });
    admission.onAdmitted = (_saleId, n) => this.admitted.inc(n);
    this.expired = new Counter({
      name: 'flash_orders_expired_total',
      help: 'Orders this worker expired (payment window passed).',
      registers,
    });
    this.persisted = new Counter({
      name: 'flash_orders_persisted_total',
      help: 'Order rows inserted or moved to a new status.',
      registers,
    });
    this.duplicates = new Counter({
      name: 'flash_orders_duplicate_deliveries_total',
      help: 'Outbox entries that changed no row (redelivery or stale status).',
      registers,
    });
    this.replayed = new Counter({
      name: 'flash_order_jobs_replayed_total',
      help: 'Failed persistence jobs put back to run again (the self-replaying dead-letter queue).',
      registers,
    });
    this.refused = new Counter({
      name: 'flash_order_jobs_refused_total',
      help: 'Jobs the worker would not run, by kind: malformed, unsealed, unknown_sale, disagrees (with the sale record).',
      labelNames: ['kind'],
      registers,
    });
    this.rejected = new Counter({
      name: 'flash_orders_rejected_units_total',
      help: 'Units of orders Redis accepted that Postgres, the last guard, had no stock for.',
      registers,
    });
    this.refundedAfterRejection = new Counter({
      name: 'flash_orders_rejected_refunds_total',
      help: 'Charges refunded because their order was rejected by Postgres.',
      registers,
    });
    this.rebuilds = new Counter({
      name: 'flash_sale_rebuilds_total',
      help: 'Sales whose Redis state this worker rebuilt from Postgres, by why (missing, regressed, requested).',
      labelNames: ['reason'],
      registers,
    });
    // Every reason from the start, at 0: a rate over no rebuilds is 0, not "no data".
    for (const reason of REBUILD_REASONS) this.rebuilds.labels(reason).inc(0);
    this.batchSize = new Histogram({
      name: 'flash_order_batch_size',
      help: 'Rows per INSERT.',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    });
  }
}
