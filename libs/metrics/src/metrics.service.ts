import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process (not prom-client's global one, so tests can run several apps
 * in one process). Gauges that need Redis or the queue read them at scrape time.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly purchaseOutcomes = new Counter({
    name: 'flash_purchase_attempts_total',
    help: 'Purchase attempts by outcome (ACCEPTED, REPLAYED or the error code).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly purchaseDuration = new Histogram({
    name: 'flash_purchase_duration_seconds',
    help: 'Time to answer a purchase attempt, from handler entry to answer.',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  readonly mechanicsOutcomes = new Counter({
    name: 'flash_sale_mechanics_requests_total',
    help: 'Registrations, queue joins and F-code issues by outcome (registered, joined, not_registered, ...), and the bot gate in front of the first two (register_gate, join_gate: passed, pow_required, pow_invalid, pow_replayed).',
    labelNames: ['action', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly ordersLost = new Counter({
    name: 'flash_orders_lost_total',
    help: 'Orders answered 202 that were lost with Redis before Postgres had them, counted when first asked about.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Registers a gauge whose values are read when Prometheus scrapes. */
  gauge(
    name: string,
    help: string,
    labelNames: string[],
    collect: (g: Gauge) => Promise<void>,
  ): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await collect(this);
      },
    });
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
