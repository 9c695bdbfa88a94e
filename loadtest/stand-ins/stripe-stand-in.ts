import { randomBytes } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A PaymentIntent as the stand-in keeps it (the fields the project reads). */
export interface StandInIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  currency: string;
  metadata: Record<string, string>;
  status: 'requires_payment_method' | 'succeeded' | 'canceled';
  client_secret: string;
  created: number;
}

export interface StandInRefund {
  id: string;
  payment_intent: string;
  amount: number;
}

/**
 * Stripe's API on loopback, for the Stripe provider's tests: the few routes it calls, shaped as
 * Stripe answers them (form-encoded requests with bracketed keys, JSON answers, its error
 * envelope), with Stripe's rules where the project relies on them: a secret key is required;
 * an Idempotency-Key replays the first answer, and refuses other parameters under the same
 * key; a PaymentIntent is refunded at most once. `succeed` stands for the buyer confirming
 * in the browser with a test card.
 */
export class StripeStandIn {
  readonly intents = new Map<string, StandInIntent>();
  readonly refunds: StandInRefund[] = [];
  /** Each request's method, path and Idempotency-Key, in order. */
  readonly requests: { method: string; path: string; idempotencyKey?: string }[] = [];
  private readonly replies = new Map<string, { params: string; status: number; body: unknown }>();
  private server?: Server;

  constructor(readonly secretKey: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) =>
        send(res, 500, apiError('api_error', err.message)),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  /** The buyer confirmed with a card that went through. */
  succeed(intentId: string): StandInIntent {
    const intent = this.intents.get(intentId);
    if (!intent) throw new Error(`no intent ${intentId}`);
    intent.status = 'succeeded';
    return intent;
  }

  /** An intent made outside the project's calls (to forge events about). */
  put(intent: Omit<StandInIntent, 'object' | 'client_secret' | 'created'>): StandInIntent {
    const full: StandInIntent = {
      ...intent,
      object: 'payment_intent',
      client_secret: `${intent.id}_secret_${randomBytes(6).toString('hex')}`,
      created: Math.floor(Date.now() / 1000),
    };
    this.intents.set(full.id, full);
    return full;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const body = await readBody(req);
    const key = header(req, 'idempotency-key');
    this.requests.push({ method: req.method ?? '', path: url.pathname, idempotencyKey: key });
    if (header(req, 'authorization') !== `Bearer ${this.secretKey}`)
      return send(res, 401, apiError('invalid_request_error', 'Invalid API Key provided'));
    if (req.method === 'POST' && key) {
      const seen = this.replies.get(key);
      if (seen && seen.params !== body)
        return send(
          res,
          400,
          apiError(
            'idempotency_error',
            'Keys for idempotent requests can only be used with the same parameters they were first used with.',
          ),
        );
      if (seen) return send(res, seen.status, seen.body);
    }
    const [status, answer] = this.route(req.method ?? '', url, new URLSearchParams(body));
    if (req.method === 'POST' && key) this.replies.set(key, { params: body, status, body: answer });
    send(res, status, answer);
  }

  private route(method: string, url: URL, form: URLSearchParams): [number, unknown] {
    const path = url.pathname;
    if (method === 'POST' && path === '/v1/payment_intents') return [200, this.create(form)];
    if (method === 'GET' && path === '/v1/payment_intents/search') {
      const order = /^metadata\['order_id'\]:'([^']+)'$/.exec(url.searchParams.get('query') ?? '');
      const data = [...this.intents.values()].filter(
        (i) => order && i.metadata.order_id === order[1],
      );
      return [200, { object: 'search_result', data, has_more: false, url: path }];
    }
    const one = /^\/v1\/payment_intents\/([A-Za-z0-9_]+)$/.exec(path);
    if (method === 'GET' && one) {
      const intent = this.intents.get(one[1]);
      return intent
        ? [200, intent]
        : [
            404,
            apiError(
              'invalid_request_error',
              `No such payment_intent: '${one[1]}'`,
              'resource_missing',
            ),
          ];
    }
    if (method === 'POST' && path === '/v1/refunds')
      return this.refund(form.get('payment_intent') ?? '');
    return [
      404,
      apiError('invalid_request_error', `Unrecognized request URL (${method}: ${path})`),
    ];
  }

  private create(form: URLSearchParams): StandInIntent {
    const metadata: Record<string, string> = {};
    for (const [name, value] of form) {
      const m = /^metadata\[(.+)\]$/.exec(name);
      if (m) metadata[m[1]] = value;
    }
    return this.put({
      id: `pi_${randomBytes(12).toString('hex')}`,
      amount: Number(form.get('amount')),
      currency: form.get('currency') ?? '',
      metadata,
      status: 'requires_payment_method',
    });
  }

  private refund(intentId: string): [number, unknown] {
    const intent = this.intents.get(intentId);
    if (!intent)
      return [
        404,
        apiError(
          'invalid_request_error',
          `No such payment_intent: '${intentId}'`,
          'resource_missing',
        ),
      ];
    if (intent.status !== 'succeeded')
      return [
        400,
        apiError(
          'invalid_request_error',
          'This PaymentIntent does not have a successful charge to refund.',
        ),
      ];
    if (this.refunds.some((r) => r.payment_intent === intentId))
      return [
        400,
        apiError(
          'invalid_request_error',
          'Charge has already been refunded.',
          'charge_already_refunded',
        ),
      ];
    const refund = {
      id: `re_${randomBytes(12).toString('hex')}`,
      payment_intent: intentId,
      amount: intent.amount,
    };
    this.refunds.push(refund);
    return [200, { object: 'refund', status: 'succeeded', ...refund }];
  }
}

/** A Stripe event around a PaymentIntent, as a webhook delivers it. */
export function intentEvent(
  type: string,
  intent: StandInIntent,
  id = `evt_${randomBytes(12).toString('hex')}`,
): string {
  return JSON.stringify({
    id,
    object: 'event',
    api_version: '2026-11-18.endive',
    created: Math.floor(Date.now() / 1000),
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object: intent },
  });
}

function apiError(type: string, message: string, code?: string) {
  return { error: { type, message, ...(code ? { code } : {}) } };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': `req_${randomBytes(6).toString('hex')}`,
  });
  res.end(JSON.stringify(body));
}
