import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@flash/config';
import {
  AcceptedOrder,
  MicroBatcher,
  OrderWriter,
  PersistOrdersJob,
  bullConnection,
} from '@flash/orders';
import { WorkerMetrics } from './worker-metrics';

/**
 * Consumes the orders queue. Many jobs are in flight at once (WORKER_CONCURRENCY) and
 * their rows are written together by the micro-batcher, so a backlog drains in
 * multi-row INSERTs. A job completes only when its row is committed; a failed batch
 * fails each of its jobs, and BullMQ retries them with backoff. Writing is idempotent,
 * so a redelivered job (retry, stalled worker) cannot make a second row.
 */
@Injectable()
export class OrderPersistProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OrderPersistProcessor.name);
  private worker?: Worker<PersistOrdersJob>;
  private readonly batcher: MicroBatcher<AcceptedOrder>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly writer: OrderWriter,
    private readonly metrics: WorkerMetrics,
  ) {
    this.batcher = new MicroBatcher<AcceptedOrder>(
      (orders) => this.write(orders),
      config.worker.batchSize,
      config.worker.batchLingerMs,
    );
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker<PersistOrdersJob>(
      this.config.queue.ordersQueue,
      (job: Job<PersistOrdersJob>) => this.batcher.addAll(job.data.orders),
      {
        connection: bullConnection(this.config),
        prefix: this.config.queue.prefix,
        concurrency: this.config.worker.concurrency,
        lockDuration: this.config.worker.lockDurationMs,
        stalledInterval: this.config.worker.stalledIntervalMs,
        maxStalledCount: 5,
      },
    );
    this.worker.on('failed', (job, err) => {
      this.logger.warn(
        `order ${job?.id ?? '?'} attempt ${job?.attemptsMade ?? '?'} failed: ${err.message}`,
      );
    });
    this.worker.on('error', (err) => this.logger.error(`worker error: ${err.message}`));
    this.logger.log(
      `consuming "${this.config.queue.ordersQueue}" (concurrency ${this.config.worker.concurrency}, batches up to ${this.config.worker.batchSize})`,
    );
  }

  private async write(orders: AcceptedOrder[]): Promise<void> {
    const inserted = await this.writer.insertMany(orders);
    this.metrics.batchSize.observe(orders.length);
    this.metrics.persisted.inc(inserted);
    this.metrics.duplicates.inc(orders.length - inserted);
  }

  /** SIGTERM: stop taking jobs, let the ones in flight finish and their batch commit. */
  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.batcher.drain();
  }
}
