import { createHmac, randomUUID } from 'node:crypto';
import { signToken } from '@flash/auth';
import { SIGNATURE_HEADER, signPayload } from '@flash/payments';
import { mintToken } from '../bench/bench-support';
import { Attack, buy, call, createSale, hasErrorShape, saleState, verdict } from './attack-kit';
import type { AttackStack } from './attack-stack';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Bodies a purchase must refuse with 400 and the contract's error shape, selling nothing. */
const MALFORMED_BODIES: [string, string][] = [
  ['quantity 0', '{"quantity":0}'],
  ['quantity -1', '{"quantity":-1}'],
  ['quantity 1.5', '{"quantity":1.5}'],
  ['quantity "1"', '{"quantity":"1"}'],
  ['quantity 10^9', '{"quantity":1000000000}'],
  ['an unknown field', '{"quantity":1,"price":1}'],
  ['__proto__', '{"quantity":1,"__proto__":{"admin":true}}'],
  ['constructor', '{"quantity":1,"constructor":{"prototype":{"admin":true}}}'],
  ['malformed JSON', '{"quantity":1'],
  ['an array', '[1]'],
  ['null', 'null'],
  ['deep nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`],
];

/** Path parameters no route may take for an id. */
const HOSTILE_IDS = [
  '..%2F..%2Fetc%2Fpasswd',
  "1'%20OR%20'1'%3D'1",
  '%00',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  'x'.repeat(2000),
  '00000000-0000-0000-0000-00000000000g',
];

/** A token signed as the API signs, whatever its claims. */
function hs256(claims: unknown, secret: string): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Tokens an attacker can make without the secret, each of which must be refused. */
function forgedTokens(stack: AttackStack): [string, string][] {
  const buyer = mintToken('mallory', stack.env.JWT_SECRET);
  const [header, , signature] = buyer.split('.');
  const admin = { sub: 'mallory', role: 'admin', iat: now(), exp: now() + 600 };
  const hs512 = `${b64({ alg: 'HS512', typ: 'JWT' })}.${b64(admin)}`;
  return [
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(admin)}.`],
    ['a guessed key', signToken(admin, 'secret'.repeat(6))],
    ['a buyer token with its payload made admin', `${header}.${b64(admin)}.${signature}`],
    [
      'HS512 with the real key',
      `${hs512}.${createHmac('sha512', stack.env.JWT_SECRET).update(hs512).digest('base64url')}`,
    ],
    [
      'expired',
      signToken({ ...admin, iat: now() - 7200, exp: now() - 3600 }, stack.env.JWT_SECRET),
    ],
    ['400 days long', mintToken('mallory', stack.env.JWT_SECRET, true, 400 * 86_400)],
    ['no expiry', hs256({ sub: 'mallory', role: 'admin', iat: now() }, stack.env.JWT_SECRET)],
  ];
}

/** Deliveries of `charge.succeeded` for an order nobody paid, each signed wrongly. */
function forgedWebhooks(stack: AttackStack, orderId: string): [string, string, string | null][] {
  const body = JSON.stringify({
    id: `evt_${randomUUID()}`,
    type: 'charge.succeeded',
    created: now(),
    data: { chargeId: `ch_${randomUUID()}`, orderId, amount: 199_900 },
  });
  const env = stack.env;
  return [
    ['unsigned', body, null],
    ['signed with a guessed secret', body, signPayload('webhook'.repeat(6), body, now())],
    ['signed with the JWT secret', body, signPayload(env.JWT_SECRET, body, now())],
    ['an hour old', body, signPayload(env.PAYMENT_WEBHOOK_SECRET, body, now() - 3600)],
    [
      'a signature of another body',
      body,
      signPayload(env.PAYMENT_WEBHOOK_SECRET, body.replace('199900', '1'), now()),
    ],
  ];
}

/** The input fuzzers, and forged tokens and payments, against the running stack. */
export const INPUT_ATTACKS: Attack[] = [
  {
    id: 'forged-webhooks',
    severity: 'high',
    point: 2,
    title: "pay a buyer's order with forged payment webhooks (unsigned, wrong key, replayed)",
    async run(stack) {
      const saleId = await createSale(stack);
      const orderId = (await buy(stack, saleId, 'unpaid-buyer')).body?.orderId as string;
      const statuses: number[] = [];
      for (const [, body, signature] of forgedWebhooks(stack, orderId)) {
        const headers: Record<string, string> = signature ? { [SIGNATURE_HEADER]: signature } : {};
        statuses.push(
          (await call(stack.http, 'POST', '/payments/webhook', { body, headers })).status,
        );
      }
      const order = await call(stack.http, 'GET', `/orders/${orderId}`, { token: stack.admin });
      const status = (order.body as { status?: string } | undefined)?.status;
      return verdict(
        status === 'pending_payment' && statuses.every((s) => s >= 400 && s < 500),
        `answered ${statuses.join(', ')}; the order: ${status}`,
      );
    },
  },
  {
    id: 'jwt-forgeries',
    severity: 'medium',
    point: 'fuzz',
    title: 'reach the admin routes with forged tokens (alg none, guessed key, edited, HS512, …)',
    async run(stack) {
      const opened: string[] = [];
      for (const [name, token] of forgedTokens(stack)) {
        const answer = await call(stack.http, 'GET', '/admin/sales', { token });
        if (answer.status !== 401 || !hasErrorShape(answer))
          opened.push(`${name}: ${answer.status}`);
      }
      return verdict(
        opened.length === 0,
        opened.length === 0 ? 'all 7 answered 401' : opened.join('; '),
      );
    },
  },
  {
    id: 'malformed-purchases',
    severity: 'medium',
    point: 'fuzz',
    title: 'buy with malformed, out-of-range and hostile bodies',
    async run(stack) {
      const saleId = await createSale(stack);
      const before = await saleState(stack, saleId);
      const token = mintToken('fuzzer', stack.env.JWT_SECRET);
      const wrong: string[] = [];
      for (const [name, body] of MALFORMED_BODIES) {
        const answer = await call(stack.http, 'POST', `/sales/${saleId}/purchase`, {
          token,
          body,
          headers: { 'idempotency-key': randomUUID() },
        });
        if (answer.status !== 400 || !hasErrorShape(answer))
          wrong.push(`${name}: ${answer.status}`);
      }
      const after = await saleState(stack, saleId);
      if (after !== before) wrong.push(`the sale changed: ${before} → ${after}`);
      return verdict(
        wrong.length === 0,
        wrong.length === 0
          ? `${MALFORMED_BODIES.length} answered 400, nothing sold`
          : wrong.join('; '),
      );
    },
  },
  {
    id: 'hostile-ids',
    severity: 'medium',
    point: 'fuzz',
    title: 'path traversal, SQL, NUL, markup and 2,000-character ids on every route with an id',
    async run(stack) {
      const token = mintToken('fuzzer', stack.env.JWT_SECRET);
      const routes = (id: string): [string, string, string][] => [
        ['GET', `/sales/${id}`, token],
        ['POST', `/sales/${id}/purchase`, token],
        ['GET', `/orders/${id}`, token],
        ['POST', `/orders/${id}/pay`, token],
        ['POST', `/orders/${id}/cancel`, token],
        ['GET', `/admin/sales/${id}/stats`, stack.admin],
      ];
      const wrong: string[] = [];
      let tried = 0;
      for (const id of HOSTILE_IDS) {
        for (const [method, path, bearer] of routes(id)) {
          tried++;
          const answer = await call(stack.http, method, path, {
            token: bearer,
            ...(method === 'POST' ? { body: '{}' } : {}),
          });
          const ok = answer.status >= 400 && answer.status < 500 && hasErrorShape(answer);
          if (!ok) wrong.push(`${method} ${path.slice(0, 40)}: ${answer.status}`);
        }
      }
      return verdict(
        wrong.length === 0,
        wrong.length === 0 ? `${tried} answered 4xx with the error shape` : wrong.join('; '),
      );
    },
  },
];
