import { Controller, Get, Header } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MetricsService } from '@flash/metrics';

@ApiTags('operations')
// Probes, scrapes and the payment provider's callbacks are not buyers: never rate-limited.
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics of this API process' })
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4',
    content: {
      'text/plain': {
        schema: { type: 'string' },
        example: 'flash_purchase_attempts_total{outcome="ACCEPTED"} 150000\n',
      },
    },
  })
  async render(): Promise<string> {
    return this.metrics.render();
  }
}
