import { Answer, buyerCalls, call, devToken, expectErrorShape } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';
import { SiteverifyStandIn, startSiteverify } from '../../loadtest/stand-ins/siteverify-stand-in';

const SECRET = 'turnstile-secret-for-this-test-only';
const SLOW_MS = 1500;

/** The shop's env with Turnstile checked against the stand-in. */
function turnstileEnv(siteverify: SiteverifyStandIn, onFail: 'refuse' | 'suspect') {
  return {
    HUMAN_CHECK: 'turnstile',
    TURNSTILE_SECRET_KEY: SECRET,
    TURNSTILE_VERIFY_URL: siteverify.url,
    TURNSTILE_HOSTNAMES: 'shop.example',
    HUMAN_CHECK_TIMEOUT_MS: '400',
    HUMAN_CHECK_ON_FAIL: onFail,
    RATE_LIMIT_PER_BUYER: '1000',
  };
}

async function createSale(e2e: E2E, extra: Record<string, unknown>): Promise<string> {
  const created = await call(e2e.stack.http, 'POST', '/admin/sales', {
    token: e2e.admin,
    body: {
      name: 'Redmi Note',
      sku: 'REDMI-NOTE',
      price: 79_900,
      stock: 10,
      startsAt: new Date(Date.now() + 60_000).toISOString(),
      appointments: { opensAt: new Date(Date.now() - 1000).toISOString() },
      waitingRoom: { admissionRate: 50 },
      ...extra,
    },
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

const human = (token: string) => ({ headers: { 'human-check': token } });

/**
 * The external human check (Turnstile) over HTTP, verified against a siteverify stand-in on
 * loopback: refused tokens, a provider that is slow, down or broken, and, with
 * HUMAN_CHECK_ON_FAIL=suspect, buyers held in a line that never admits them.
 */
describe('a human check (Turnstile) in front of registration and queue joins', () => {
  let siteverify: SiteverifyStandIn;
  let e2e: E2E;
  const as = buyerCalls(() => e2e.stack.http);

  beforeAll(async () => {
    siteverify = await startSiteverify(SECRET, SLOW_MS);
    e2e = await startE2E(turnstileEnv(siteverify, 'refuse'), { worker: false });
  });
  afterAll(async () => {
    await stopE2E(e2e);
    await siteverify?.close();
  });

  const registration = (buyer: string, saleId: string) =>
    as(buyer, 'GET', `/sales/${saleId}/registration`);

  it('lets a passed token on, once; the provider gets the secret, the token and the address', async () => {
    const saleId = await createSale(e2e, {});
    const registered = await as(
      'amy',
      'POST',
      `/sales/${saleId}/registration`,
      human('human-amy-1@register'),
    );
    expect(registered.status).toBe(201);
    expect(siteverify.calls.at(-1)).toMatchObject({
      secret: SECRET,
      response: 'human-amy-1@register',
      remoteip: '127.0.0.1',
    });
    expect(siteverify.calls.at(-1)!.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    const joined = await as('amy', 'POST', `/sales/${saleId}/queue`, human('human-amy-2@join'));
    expect(joined.status).toBe(201);
    expect(joined.body.status).toBe('pre_queue');
    // The token was spent: Turnstile answers a second use timeout-or-duplicate.
    const again = await as('amy', 'POST', `/sales/${saleId}/queue`, human('human-amy-2@join'));
    expectErrorShape(again, 403, 'HUMAN_CHECK_FAILED');
  });

  it('refuses no token, a failed one and an oversized one, and changes nothing', async () => {
    const saleId = await createSale(e2e, {});
    const calls = siteverify.calls.length;
    expectErrorShape(
      await as('bo', 'POST', `/sales/${saleId}/registration`),
      403,
      'HUMAN_CHECK_REQUIRED',
    );
    expect(siteverify.calls.length).toBe(calls);
    const oversized = await as(
      'bo',
      'POST',
      `/sales/${saleId}/registration`,
      human(`human-${'x'.repeat(2048)}`),
    );
    expectErrorShape(oversized, 403, 'HUMAN_CHECK_FAILED');
    expect(siteverify.calls.length).toBe(calls);
    const refusals: [string, string][] = [
      ['bot-bo', 'HUMAN_CHECK_FAILED'],
      ['', 'HUMAN_CHECK_REQUIRED'],
      ['human bo; drop table', 'HUMAN_CHECK_FAILED'],
      // Good tokens, but solved for joining the line, on another site, or for no action.
      ['human-bo-1@join', 'HUMAN_CHECK_FAILED'],
      ['human-bo-2@register#evil.example', 'HUMAN_CHECK_FAILED'],
      ['human-bo-3', 'HUMAN_CHECK_FAILED'],
    ];
    for (const [token, code] of refusals) {
      const refused: Answer = await as('bo', 'POST', `/sales/${saleId}/registration`, human(token));
      expectErrorShape(refused, 403, code);
    }
    expectErrorShape(
      await as('bo', 'POST', `/sales/${saleId}/queue`, human('bot-bo')),
      403,
      'HUMAN_CHECK_FAILED',
    );
    expectErrorShape(await registration('bo', saleId), 404, 'NOT_FOUND');
    expectErrorShape(await as('bo', 'GET', `/sales/${saleId}/queue`), 404, 'NOT_FOUND');
  });

  it('answers 503 with Retry-After when the provider is slow, down or answers nonsense', async () => {
    const saleId = await createSale(e2e, {});
    for (const token of ['slow-cy@register', 'down-cy', 'broken-cy']) {
      const answer = await as('cy', 'POST', `/sales/${saleId}/registration`, human(token));
      expectErrorShape(answer, 503, 'HUMAN_CHECK_UNAVAILABLE');
      expect(answer.headers['retry-after']).toBe('2');
    }
    expectErrorShape(await registration('cy', saleId), 404, 'NOT_FOUND');
  });
});

describe('a failed human check, held as a suspect (HUMAN_CHECK_ON_FAIL=suspect)', () => {
  let siteverify: SiteverifyStandIn;
  let e2e: E2E;
  const as = buyerCalls(() => e2e.stack.http);

  beforeAll(async () => {
    siteverify = await startSiteverify(SECRET, SLOW_MS);
    e2e = await startE2E(turnstileEnv(siteverify, 'suspect'));
  });
  afterAll(async () => {
    await stopE2E(e2e);
    await siteverify?.close();
  });

  const stats = async (saleId: string) =>
    (await call(e2e.stack.http, 'GET', `/admin/sales/${saleId}/stats`, { token: e2e.admin })).body;

  it('lets the suspect in quietly, and never admits them while people behind them get in', async () => {
    const saleId = await createSale(e2e, {
      appointments: undefined,
      startsAt: new Date(Date.now() + 1500).toISOString(),
    });
    const bot = await as('bot-1', 'POST', `/sales/${saleId}/queue`, human('bot-token'));
    // Told nothing: the same answer as a person's.
    expect(bot.status).toBe(201);
    expect(bot.body.status).toBe('pre_queue');
    const people = ['dee', 'eve', 'fay'];
    for (const person of people)
      expect(
        (await as(person, 'POST', `/sales/${saleId}/queue`, human(`human-${person}@join`))).status,
      ).toBe(201);
    // The operator flags another buyer by hand before the opening.
    const flagged = await call(e2e.stack.http, 'POST', `/admin/sales/${saleId}/suspects`, {
      token: e2e.admin,
      body: { buyerIds: ['fay'] },
    });
    expect(flagged.status).toBe(200);
    expect(flagged.body).toEqual({ saleId, flagged: 1, moved: 0, admitted: 0 });

    // The worker opens the line, shuffles and admits: the people get in, the suspects never.
    const ticket = (buyer: string) => as(buyer, 'GET', `/sales/${saleId}/queue`);
    for (let i = 0; i < 100; i++) {
      const statuses = await Promise.all(
        ['dee', 'eve'].map(async (p) => (await ticket(p)).body.status),
      );
      if (statuses.every((s) => s === 'admitted')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await ticket('dee')).body.status).toBe('admitted');
    expect((await ticket('eve')).body.status).toBe('admitted');
    for (const suspect of ['bot-1', 'fay']) {
      const held = await ticket(suspect);
      expect(held.body).toMatchObject({ status: 'waiting' });
      expect(held.body.position).toBeGreaterThanOrEqual(1);
      expect(held.body.admissionToken).toBeUndefined();
    }
    expect((await stats(saleId)).queue).toMatchObject({ suspects: 2, held: 2 });
    // A join with no token at all is a page without the widget: told so, never a suspect.
    expectErrorShape(
      await as('gil', 'POST', `/sales/${saleId}/queue`),
      403,
      'HUMAN_CHECK_REQUIRED',
    );
    expect((await stats(saleId)).queue).toMatchObject({ suspects: 2, held: 2 });
  });

  it('takes flags only from an admin, for a sale with a line, with well-formed ids', async () => {
    const saleId = await createSale(e2e, { appointments: undefined });
    const flag = (body: unknown, token = e2e.admin, id = saleId) =>
      call(e2e.stack.http, 'POST', `/admin/sales/${id}/suspects`, { token, body });
    for (const body of [
      {},
      { buyerIds: [] },
      { buyerIds: ['ok', 'ok'] },
      { buyerIds: ['not ok'] },
      { buyerIds: 'ok' },
      { buyerIds: ['ok'], extra: 1 },
      { buyerIds: Array.from({ length: 1001 }, (_, i) => `b${i}`) },
      '[',
    ])
      expectErrorShape(await flag(body), 400, 'INVALID_REQUEST');
    expectErrorShape(await flag({ buyerIds: ['x'] }, undefined, 'nope'), 400, 'INVALID_REQUEST');
    const buyer = await devToken(e2e.stack.http, 'gus');
    expectErrorShape(await flag({ buyerIds: ['x'] }, buyer), 403, 'FORBIDDEN');
    expectErrorShape(
      await flag({ buyerIds: ['x'] }, e2e.admin, '00000000-0000-4000-8000-000000000000'),
      404,
      'NOT_FOUND',
    );
    const bare = await createSale(e2e, { appointments: undefined, waitingRoom: undefined });
    expectErrorShape(await flag({ buyerIds: ['x'] }, e2e.admin, bare), 409, 'NOT_ENABLED');
    expect((await stats(saleId)).queue).toMatchObject({ suspects: 0, held: 0 });
  });
});
