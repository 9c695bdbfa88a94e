import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { SoldOutRegistry, saleEventCodec } from '@flash/inventory';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';

interface Tally {
  accepted: number;
  refused: number;
}

/**
 * This instance's purchase attempts per sale, reported once per LIVE_PULSE_MS on the sale's
 * events channel (`attempts:`), where every instance's operator pages add them up. Counting
 * is a map update on the hot path; only sales this instance follows are counted, so made-up
 * sale ids cannot make it publish.
 */
@Injectable()
export class SaleAttempts implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SaleAttempts.name);
  private tallies = new Map<string, Tally>();
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly events: SoldOutRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.pulseIntervalMs;
    if (every <= 0) return;
    this.timer = setInterval(() => void this.report(), every);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  count(saleId: string, accepted: boolean): void {
    if (this.config.pulseIntervalMs <= 0 || this.events.generation(saleId) === null) return;
    let tally = this.tallies.get(saleId);
    if (!tally) this.tallies.set(saleId, (tally = { accepted: 0, refused: 0 }));
    if (accepted) tally.accepted++;
    else tally.refused++;
  }

  /** Sends what was counted since the last report; counts of a failed send are dropped. */
  async report(): Promise<void> {
    const tallies = this.tallies;
    if (tallies.size === 0) return;
    this.tallies = new Map();
    await Promise.all(
      [...tallies].map(([saleId, { accepted, refused }]) =>
        this.redis
          .spublish(
            this.keys.sale(saleId).events,
            saleEventCodec.encode({ kind: 'attempts', saleId, accepted, refused }),
          )
          .catch((err: Error) => this.logger.debug(`attempts of ${saleId}: ${err.message}`)),
      ),
    );
  }
}
