import { DomainError } from '@flash/errors';
import { compileValidator } from '@flash/http';
import type { WebhookHeaders, WebhookReading } from './payment-provider';
import { SIGNATURE_HEADER, verifyPayload } from './webhook-signature';

/** The simulated gateway's webhook event. */
export interface WebhookEvent {
  id: string;
  type: 'charge.succeeded';
  created: number;
  data: { chargeId: string; orderId: string; amount: number };
}

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

/** Checks a delivery's `flash-signature` over the raw body and reads its event. */
export function readSimulatedWebhook(
  secret: string,
  toleranceSeconds: number,
  currency: string,
  rawBody: Buffer,
  headers: WebhookHeaders,
): WebhookReading {
  const header = headers[SIGNATURE_HEADER];
  const check = verifyPayload(
    secret,
    rawBody,
    typeof header === 'string' ? header : undefined,
    toleranceSeconds,
  );
  if (!check.ok) throw new DomainError('unauthorized', check.reason);
  const event = validateEvent(parseJson(rawBody));
  return { kind: 'charge_succeeded', eventId: event.id, currency, ...event.data };
}

export function parseJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new DomainError('invalid', 'webhook body is not JSON');
  }
}
