import { Controller, Get, Inject } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
} from '@nestjs/terminus';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { ApiError, ErrorCode } from '@flash/http';
import { REDIS } from '@flash/redis';
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

function describeSales(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([key]) => key !== 'status')
    .map(([saleId, condition]) => `${saleId} ${String(condition)}`)
    .join(', ');
}

@ApiTags('operations')
// Probes, scrapes and the payment provider's callbacks are not buyers: never rate-limited.
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly sales: SaleHealthService,
  ) {}

  @Get()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    summary: '200 when Redis and Postgres answer and every live sale can sell, 503 otherwise',
  })
  @ApiAnswer(200, 'Health', EXAMPLES.health, 'Redis and Postgres answer; every live sale can sell')
  @ApiErrors([
    503,
    [ErrorCode.Unavailable],
    'Redis or Postgres does not answer, or a live sale cannot sell (its Redis state is missing, behind Postgres, or being rebuilt)',
  ])
  async check(): Promise<HealthCheckResult> {
    return this.run([
      () => this.probe('redis', () => this.redis.ping()),
      () => this.probe('postgres', () => this.dataSource.query('SELECT 1')),
      () => this.salesProbe(),
    ]);
  }

  /** Runs the probes; any one down is a 503 naming what is down. */
  private async run(
    probes: Parameters<HealthCheckService['check']>[0],
  ): Promise<HealthCheckResult> {
    try {
      return await this.health.check(probes);
    } catch (err) {
      const down = (err as { response?: HealthCheckResult }).response?.error ?? {};
      const parts = Object.entries(down).map(([key, detail]) =>
        key === 'sales' ? `sales (${describeSales(detail)})` : key,
      );
      throw ApiError.unavailable(`unhealthy: ${parts.join(', ') || 'unknown'}`);
    }
  }

  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    summary:
      'Readiness of this instance: 200 when Redis and Postgres answer (for load balancers and orchestrators; GET /health also judges the sales)',
  })
  @ApiAnswer(200, 'Health', EXAMPLES.ready, 'Redis and Postgres answer')
  @ApiErrors([503, [ErrorCode.Unavailable], 'Redis or Postgres does not answer'])
  async ready(): Promise<HealthCheckResult> {
    return this.run([
      () => this.probe('redis', () => this.redis.ping()),
      () => this.probe('postgres', () => this.dataSource.query('SELECT 1')),
    ]);
  }

  /** Down, naming each sale and why, while any live sale cannot sell. */
  private async salesProbe() {
    const indicator = this.indicators.check('sales');
    try {
      const unwell = (await withTimeout(this.sales.check())).filter(
        (s) => s.condition !== 'healthy',
      );
      if (unwell.length === 0) return indicator.up();
      return indicator.down(Object.fromEntries(unwell.map((s) => [s.saleId, s.condition])));
    } catch (err) {
      return indicator.down({ message: (err as Error).message });
    }
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
