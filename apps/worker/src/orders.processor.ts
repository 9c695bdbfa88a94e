import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConnectionOptions, Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@flash/config';
import {
  AcceptedOrder,
  EXPIRE_DUE_JOB,
  JobVetting,
  MicroBatcher,
  OrderExpiryService,
  OrderWriter,
  OrdersJobData,
  PERSIST_ORDERS_JOB,
  REFUSED_PREFIX,
  SWEEP_JOB,
  bullConnection,
  closeBullConnection,
  cappedBackoffMs,
  readExpireDueJob,
} from '@flash/orders';
import { RejectedOrders } from './rejected-orders';
import { WorkerMetrics } from './worker-metrics';

const SWEEP_SCHEDULER = 'expiry-sweep';

/** Failed jobs read per page by the dead-letter replay. */
const DEAD_LETTER_PAGE = 500;
/** Bounds one sweep's replay; the next sweep goes on. */
const DEAD_LETTER_MAX_PER_SWEEP = 10_000;

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
  /** BullMQ's connection: options, or a cluster client this processor closes. */
  private connection?: ConnectionOptions;
  private sweepWatch?: NodeJS.Timeout;
  private readonly batcher: MicroBatcher<AcceptedOrder>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly writer: OrderWriter,
    private readonly expiry: OrderExpiryService,
    private readonly metrics: WorkerMetrics,
    private readonly rejections: RejectedOrders,
    private readonly vetting: JobVetting,
  ) {
    this.batcher = new MicroBatcher<AcceptedOrder>(
      (orders) => this.write(orders),
      config.worker.batchSize,
      config.worker.batchLingerMs,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const connection = bullConnection(this.config);
    this.connection = connection;
    this.scheduler = new Queue<OrdersJobData>(this.config.queue.ordersQueue, {
      connection,
      prefix: this.config.queue.prefix,
    });
    await this.scheduleSweep();
    // A Redis that restarted empty took the schedule with it: put it back when it is gone.
    this.sweepWatch = setInterval(() => {
      this.ensureSweepScheduled().catch((err: Error) =>
        this.logger.warn(`checking the expiry sweep's schedule failed: ${err.message}`),
      );
    }, this.config.expirySweepIntervalMs);
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
        settings: {
          backoffStrategy: (attemptsMade) =>
            cappedBackoffMs(
              attemptsMade,
              this.config.queue.backoffMs,
              this.config.queue.backoffMaxMs,
            ),
        },
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

  /** One schedule however many workers run: upserting the same scheduler id is idempotent. */
  private async scheduleSweep(): Promise<void> {
    await this.scheduler?.upsertJobScheduler(
      SWEEP_SCHEDULER,
      { every: this.config.expirySweepIntervalMs },
      { name: SWEEP_JOB, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  async ensureSweepScheduled(): Promise<boolean> {
    if (!this.scheduler || (await this.scheduler.getJobScheduler(SWEEP_SCHEDULER))) return false;
    this.logger.warn('the expiry sweep schedule was gone (Redis lost it): scheduled again');
    await this.scheduleSweep();
    return true;
  }

  private async process(job: Job<OrdersJobData>): Promise<void> {
    switch (job.name) {
      case PERSIST_ORDERS_JOB: {
        // Vetted alone, before the batcher: a bad job fails by itself, never a batch beside it.
        const vetting = await this.vetting.vet(job.data);
        if (!vetting.ok) return this.refuse(job, vetting.kind, vetting.reason);
        return this.batcher.addAll(vetting.orders);
      }
      case EXPIRE_DUE_JOB: {
        const reading = readExpireDueJob(job.data);
        if (!reading.ok) return this.refuse(job, 'malformed', reading.reason);
        this.metrics.expired.inc(await this.expiry.expireDue(reading.data.saleId));
        return;
      }
      case SWEEP_JOB:
        this.metrics.replayed.inc(await this.replayDeadLetters());
        this.metrics.expired.inc(await this.expiry.sweep());
        return;
      default:
        return this.refuse(job, 'malformed', `unknown job name "${job.name}"`);
    }
  }

  /** Fails a job once, whatever its attempts: the replay below leaves refused jobs alone. */
  private refuse(job: Job, kind: string, reason: string): never {
    this.metrics.refused.inc({ kind });
    this.logger.error(`job ${job.id ?? '?'} (${job.name}) refused: ${reason}`);
    throw new UnrecoverableError(`${REFUSED_PREFIX} ${reason}`);
  }

  /**
   * A persistence job can still end up failed: stalled more than maxStalledCount times (its
   * worker killed again and again), or enqueued by an older release with an attempt limit.
   * Its orders were accepted, so it is put back to run again, on every sweep, until it
   * commits: the failed set is a dead-letter queue that replays itself.
   */
  private async replayDeadLetters(): Promise<number> {
    const queue = this.scheduler;
    if (!queue) return 0;
    let replayed = 0;
    let skipped = 0; // other failed jobs (expiries, refused jobs) stay where they are
    while (replayed < DEAD_LETTER_MAX_PER_SWEEP) {
      const failed = await queue.getFailed(skipped, skipped + DEAD_LETTER_PAGE - 1);
      for (const job of failed) {
        if (job.name !== PERSIST_ORDERS_JOB || job.failedReason?.startsWith(REFUSED_PREFIX)) {
          skipped++;
          continue;
        }
        await job.retry('failed');
        replayed++;
      }
      if (failed.length < DEAD_LETTER_PAGE) break;
    }
    return replayed;
  }

  private async write(orders: AcceptedOrder[]): Promise<void> {
    const result = await this.writer.write(orders);
    this.metrics.batchSize.observe(orders.length);
    this.metrics.persisted.inc(result.changed);
    this.metrics.duplicates.inc(orders.length - result.changed);
    await this.rejections.settle(result);
  }

  /** SIGTERM: stop taking jobs, let the ones in flight finish and their batch commit. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweepWatch);
    await this.worker?.close();
    await this.batcher.drain();
    await this.scheduler?.close();
    if (this.connection) await closeBullConnection(this.connection);
  }
}
