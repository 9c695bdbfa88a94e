import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@flash/errors';
import { REDIS, RedisClient, RedisKeys } from '@flash/redis';
import { PaymentProvider, WebhookHeaders } from './payment-provider';
import { PaymentsService } from './payments.service';

/** How long an event id is remembered, to refuse replays of a valid delivery. */
const SEEN_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The provider's confirmations. A delivery is accepted once: the provider's own signature
 * check must pass over the raw body with a fresh timestamp, and its event id must be new.
 * Applying it is idempotent (the order may already be paid by the synchronous path); if the
 * order closed first, the charge is refunded.
 */
@Injectable()
export class PaymentWebhookService {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly provider: PaymentProvider,
    private readonly payments: PaymentsService,
  ) {}

  async handle(
    rawBody: Buffer | undefined,
    headers: WebhookHeaders,
  ): Promise<{ received: true; outcome: string }> {
    if (!rawBody) throw new DomainError('invalid', 'empty webhook body');
    const reading = this.provider.readWebhook(rawBody, headers);
    if (reading.kind === 'ignored') return { received: true, outcome: 'ignored' };
    const seenKey = `${this.keys.prefix}webhook:${reading.eventId}`;
    const claimed = await this.redis.set(seenKey, '1', 'EX', SEEN_TTL_SECONDS, 'NX');
    if (claimed !== 'OK')
      throw new DomainError('duplicate_event', `event ${reading.eventId} was already received`);
    try {
      const outcome = await this.payments.confirmCharge(reading);
      if (outcome.kind === 'mismatch') {
        // Refused for good: the provider's retry of the same event is refused the same way.
        throw new DomainError('invalid', `event ${reading.eventId} refused: ${outcome.reason}`);
      }
      return { received: true, outcome: outcome.kind };
    } catch (err) {
      // Not applied: let the provider's retry through.
      await this.redis.del(seenKey);
      throw err;
    }
  }
}
