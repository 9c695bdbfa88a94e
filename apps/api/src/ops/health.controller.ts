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
// Probes, scrapes and the payment provider's callbacks are not buyers: never rate-limited.
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  @Get()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: '200 when Redis and Postgres answer, 503 otherwise' })
  @ApiAnswer(200, 'Health', EXAMPLES.health, 'Redis and Postgres answer')
  @ApiErrors([503, [ErrorCode.Unavailable], 'Redis or Postgres does not answer'])
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.probe('redis', () => this.redis.ping()),
        () => this.probe('postgres', () => this.dataSource.query('SELECT 1')),
      ]);
    } catch (err) {
      const down = (err as { response?: HealthCheckResult }).response?.error ?? {};
      throw ApiError.unavailable(`unhealthy: ${Object.keys(down).join(', ') || 'unknown'}`);
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
