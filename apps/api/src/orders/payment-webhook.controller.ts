import { Controller, HttpCode, Post, RawBodyRequest, Req } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { PaymentWebhookService } from '@flash/payments';

/** Where the payment provider confirms charges. Authenticated by signature, not by JWT. */
@ApiExcludeController()
// Probes, scrapes and the payment provider's callbacks are not buyers: never rate-limited.
@SkipThrottle()
@Controller('payments')
export class PaymentWebhookController {
  constructor(private readonly webhooks: PaymentWebhookService) {}

  @Post('webhook')
  @HttpCode(200)
  async receive(
    @Req() request: RawBodyRequest<FastifyRequest>,
  ): Promise<{ received: true; outcome: string }> {
    // Each provider signs in its own way and header: the provider reads them (readWebhook).
    return this.webhooks.handle(request.rawBody, request.headers);
  }
}
