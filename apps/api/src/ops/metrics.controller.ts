import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OpsAccess } from '@flash/auth';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { ApiError, ErrorCode } from '@flash/http';
import { MetricsService } from '@flash/metrics';
import { ApiErrors } from '../api-responses';

@ApiTags('operations')
// Probes, scrapes and the payment provider's callbacks are not buyers: never rate-limited.
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  private readonly access: OpsAccess;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.access = new OpsAccess(config);
  }

  @Get()
  @ApiOperation({
    summary:
      'Prometheus metrics of this API process (with METRICS_TOKEN set: its bearer, or an admin)',
  })
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4',
    content: {
      'text/plain': {
        schema: { type: 'string' },
        example: 'flash_purchase_attempts_total{outcome="ACCEPTED"} 150000\n',
      },
    },
  })
  @ApiErrors([
    401,
    [ErrorCode.Unauthorized],
    'METRICS_TOKEN is set and neither it nor an admin token came',
  ])
  async render(
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('authorization') authorization?: string,
  ): Promise<string> {
    if (!this.access.metrics(authorization))
      throw ApiError.unauthorized('metrics need METRICS_TOKEN or an admin token');
    // Set here, not by decorator: a refusal above must go out as JSON.
    void reply.type('text/plain; version=0.0.4; charset=utf-8');
    return this.metrics.render();
  }
}
