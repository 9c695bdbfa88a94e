import { Controller, Get, Headers, Inject } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { OpsAccess } from '@flash/auth';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { ApiError, ErrorCode } from '@flash/http';
import { REDIS, RedisClient } from '@flash/redis';
import { SaleHealthService } from '@flash/recovery';
import { ApiAnswer, ApiErrors, EXAMPLES } from '../api-responses';

const CHECK_TIMEOUT_MS = 1000;

function withTimeout<T>(work: Promise<T>): Promise<T> {
  return Promise.race([
    work,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS).unref(),
    ),
  ]);
}

@ApiTags('operations')
// A balancer's probe is not a buyer: only the anonymous per-address limit applies (a probe
// every half second is far below it, a flood of Redis and Postgres checks is not).
@SkipThrottle({ buyer: true, ip: true })
@Controller('health')
export class HealthController {
  private readonly access: OpsAccess;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly sales: SaleHealthService,
  ) {
    this.access = new OpsAccess(config);
  }

  @Get()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    summary:
      "200 when Redis and Postgres answer, 503 otherwise; an admin (or METRICS_TOKEN) also gets each dependency's state and each live sale that cannot sell",
  })
  @ApiAnswer(
    200,
    'Health',
    EXAMPLES.health,
    'Redis and Postgres answer; for an admin (or METRICS_TOKEN), `info` and `sales`, each live sale that cannot sell (missing, regressed, rebuilding)',
  )
  @ApiErrors([503, [ErrorCode.Unavailable], 'Redis or Postgres does not answer'])
  async check(
    @Headers('authorization') authorization?: string,
  ): Promise<{ status: 'ok' } | (HealthCheckResult & { sales: Record<string, string> })> {
    try {
      const result = await this.health.check([
        () => this.probe('redis', () => this.redis.ping()),
        () => this.probe('postgres', () => this.dataSource.query('SELECT 1')),
      ]);
      // Which sales are broken is for operators, not for anyone who asks.
      if (!this.access.details(authorization)) return { status: 'ok' };
      return { ...result, sales: await this.unsellableSales() };
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const down = (err as { response?: HealthCheckResult }).response?.error ?? {};
      throw ApiError.unavailable(`unhealthy: ${Object.keys(down).join(', ') || 'unknown'}`);
    }
  }

  /** Each live sale that cannot sell, and why: reported, not a reason to take the API out. */
  private async unsellableSales(): Promise<Record<string, string>> {
    const sales = await withTimeout(this.sales.check());
    return Object.fromEntries(
      sales.filter((s) => s.condition !== 'healthy').map((s) => [s.saleId, s.condition]),
    );
  }

  private async probe(key: string, call: () => Promise<unknown>) {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(call());
      return indicator.up();
    } catch (err) {
      return indicator.down({ message: (err as Error).message });
    }
  }
}
