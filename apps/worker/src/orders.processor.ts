import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@flash/config';
import {
  AcceptedOrder,
  EXPIRE_DUE_JOB,
  ExpireDueJob,
  MicroBatcher,
  OrderExpiryService,
  OrderWriter,
  OrdersJobData,
  PERSIST_ORDERS_JOB,
  PersistOrdersJob,
  SWEEP_JOB,
  bullConnection,
} from '@flash/orders';
import { WorkerMetrics } from './worker-metrics';

/**
 * Consumes the orders queue:
 * - persist-orders: many jobs are in flight at once (WORKER_CONCURRENCY) and their rows are
 *   written together by the micro-batcher, so a backlog drains in multi-row INSERTs. A job
 *   completes only when its rows are committed; a failed batch fails each of its jobs and
 *   BullMQ retries them with backoff. Writing is idempotent, so a redelivered job
 *   (retry, stalled worker) cannot make a second row.
 * - expire-due: delayed to a batch's payment deadline; expires that sale's due orders.
 * - sweep-expired: repeats every EXPIRY_SWEEP_INTERVAL_MS over all active sales.
 */
@Injectable()
export class OrdersProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OrdersProcessor.name);
  private worker?: Worker<OrdersJobData>;
  private scheduler?: Queue<OrdersJobData>;
  private readonly batcher: MicroBatcher<AcceptedOrder>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly writer: OrderWriter,
    private readonly expiry: OrderExpiryService,
    private readonly metrics: WorkerMetrics,
  ) {
    this.batcher = new MicroBatcher<AcceptedOrder>(
      (orders) => this.write(orders),
      config.worker.batchSize,
      config.worker.batchLingerMs,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const connection = bullConnection(this.config);
    this.scheduler = new Queue<OrdersJobData>(this.config.queue.ordersQueue, {
      connection,
      prefix: this.config.queue.prefix,
    });
    // One schedule however many workers run: upserting the same scheduler id is idempotent.
    await this.scheduler.upsertJobScheduler(
      'expiry-sweep',
      { every: this.config.expirySweepIntervalMs },
      { name: SWEEP_JOB, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
    this.worker = new Worker<OrdersJobData>(
      this.config.queue.ordersQueue,
      (job) => this.process(job),
      {
        connection,
        prefix: this.config.queue.prefix,
        concurrency: this.config.worker.concurrency,
        lockDuration: this.config.worker.lockDurationMs,
        stalledInterval: this.config.worker.stalledIntervalMs,
        maxStalledCount: 5,
      },
    );
    this.worker.on('failed', (job, err) => {
      this.logger.warn(
        `job ${job?.id ?? '?'} attempt ${job?.attemptsMade ?? '?'} failed: ${err.message}`,
      );
    });
    this.worker.on('error', (err) => this.logger.error(`worker error: ${err.message}`));
    this.logger.log(
      `consuming "${this.config.queue.ordersQueue}" (concurrency ${this.config.worker.concurrency}, batches up to ${this.config.worker.batchSize})`,
    );
  }

  private async process(job: Job<OrdersJobData>): Promise<void> {
    switch (job.name) {
      case PERSIST_ORDERS_JOB:
        return this.batcher.addAll((job.data as PersistOrdersJob).orders);
      case EXPIRE_DUE_JOB:
        this.metrics.expired.inc(await this.expiry.expireDue((job.data as ExpireDueJob).saleId));
        return;
      case SWEEP_JOB:
        this.metrics.expired.inc(await this.expiry.sweep());
        return;
      default:
        throw new Error(`unknown job ${job.name}`);
    }
  }

  private async write(orders: AcceptedOrder[]): Promise<void> {
    const written = await this.writer.insertMany(orders);
    this.metrics.batchSize.observe(orders.length);
    this.metrics.persisted.inc(written);
    this.metrics.duplicates.inc(orders.length - written);
  }

  /** SIGTERM: stop taking jobs, let the ones in flight finish and their batch commit. */
  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.batcher.drain();
    await this.scheduler?.close();
  }
}
