import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@flash/config';
import { DomainError } from '@flash/errors';
import { compileValidator } from '@flash/http';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';
import { PaymentsService } from './payments.service';
import { WebhookEvent } from './simulated-gateway';
import { verifyPayload } from './webhook-signature';

const validateEvent = compileValidator<WebhookEvent>({
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type', 'created', 'data'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 128 },
    type: { type: 'string', enum: ['charge.succeeded'] },
    created: { type: 'integer' },
    data: {
      type: 'object',
      additionalProperties: false,
      required: ['chargeId', 'orderId', 'amount'],
      properties: {
        chargeId: { type: 'string', minLength: 1, maxLength: 128 },
        orderId: { type: 'string', pattern: '^[0-9a-f-]{36}$' },
        amount: { type: 'integer', minimum: 1 },
      },
    },
  },
});

/** How long an event id is remembered, to refuse replays of a valid delivery. */
const SEEN_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The provider's confirmations. A delivery is accepted once: its signature must verify over
 * the raw body with a fresh timestamp, and its event id must be new. Applying it is
 * idempotent (the order may already be paid by the synchronous path); if the order closed
 * first, the charge is refunded.
 */
@Injectable()
export class PaymentWebhookService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly payments: PaymentsService,
  ) {}

  async handle(
    rawBody: Buffer | undefined,
    signature: string | undefined,
  ): Promise<{ received: true; outcome: string }> {
    if (!rawBody) throw new DomainError('invalid', 'empty webhook body');
    const check = verifyPayload(
      this.config.payments.webhookSecret,
      rawBody,
      signature,
      this.config.payments.webhookToleranceSeconds,
    );
    if (!check.ok) throw new DomainError('unauthorized', check.reason);
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new DomainError('invalid', 'webhook body is not JSON');
    }
    const event = validateEvent(parsed);
    const seenKey = `${this.keys.prefix}webhook:${event.id}`;
    const claimed = await this.redis.set(seenKey, '1', 'EX', SEEN_TTL_SECONDS, 'NX');
    if (claimed !== 'OK')
      throw new DomainError('duplicate_event', `event ${event.id} was already received`);
    try {
      const outcome = await this.payments.confirmCharge(event.data);
      if (outcome.kind === 'mismatch') {
        // Refused for good: the provider's retry of the same event is refused the same way.
        throw new DomainError('invalid', `event ${event.id} refused: ${outcome.reason}`);
      }
      return { received: true, outcome: outcome.kind };
    } catch (err) {
      // Not applied: let the provider's retry through.
      await this.redis.del(seenKey);
      throw err;
    }
  }
}
