import { randomUUID } from 'node:crypto';
import { call, createSale, devToken, expectErrorShape } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';

/**
 * Every route a buyer or an anonymous client can call has a limit: anonymous routes per
 * client address, purchases of sales that do not exist per buyer, and Postgres lookups of
 * unknown sale ids per process.
 */
describe('limits on every door', () => {
  let e2e: E2E;

  beforeAll(async () => {
    e2e = await startE2E(
      {
        RATE_LIMIT_ANONYMOUS: '5',
        RATE_LIMIT_PER_BUYER: '5',
        RATE_LIMIT_WINDOW_MS: '5000',
        UNKNOWN_SALE_LOOKUPS_PER_SECOND: '4',
      },
      { worker: false },
    );
  });
  afterAll(() => stopE2E(e2e));

  it('holds anonymous callers to RATE_LIMIT_ANONYMOUS per route, and not token holders', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin);
    for (const [method, path, body] of [
      ['GET', '/sales', undefined],
      ['GET', `/sales/${saleId}`, undefined],
      ['GET', '/health', undefined],
      ['POST', '/auth/dev-token', { sub: 'someone' }],
    ] as const) {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++)
        statuses.push((await call(e2e.stack.http, method, path, { body })).status);
      // Answered until the limit (startE2E spent some of it already), then refused.
      const served = statuses.filter((st) => st !== 429).length;
      expect({ path, served: served <= 5, rest: statuses.slice(served) }).toEqual({
        path,
        served: true,
        rest: Array(7 - served).fill(429),
      });
      expect(served).toBeLessThan(7);
      const refused = await call(e2e.stack.http, method, path, { body });
      expectErrorShape(refused, 429, 'RATE_LIMITED');
      expect(refused.headers['retry-after']).toBeDefined();
    }
    // The same routes with a token are counted per buyer (admins not at all).
    for (let i = 0; i < 10; i++)
      expect((await call(e2e.stack.http, 'GET', '/sales', { token: e2e.admin })).status).toBe(200);
  });

  it("counts a buyer's purchases of sales that do not exist against the per-buyer limit", async () => {
    const token = await devToken(e2e.stack.http, 'ghost-shopper').catch(() => null);
    // The anonymous dev-token budget may be spent: an admin's token is not, so sign one there.
    const buyer = token ?? (await signedBuyer('ghost-shopper'));
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const answer = await call(e2e.stack.http, 'POST', `/sales/${randomUUID()}/purchase`, {
        token: buyer,
        body: {},
      });
      statuses.push(answer.status);
    }
    expect(statuses.filter((s) => s === 404 || s === 429)).toHaveLength(12);
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(5);
  });

  it('holds lookups of unknown sale ids to UNKNOWN_SALE_LOOKUPS_PER_SECOND per process', async () => {
    // Many buyers, so neither their own limits nor the address limit is what stops them.
    const buyers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => signedBuyer(`prober-${i}`)),
    );
    const started = Date.now();
    const answers = await Promise.all(
      buyers.map((token) =>
        call(e2e.stack.http, 'POST', `/sales/${randomUUID()}/purchase`, { token, body: {} }),
      ),
    );
    const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
    const looked = answers.filter((a) => a.status === 404).length;
    const refused = answers.filter((a) => a.status === 429);
    expect(looked + refused.length).toBe(30);
    expect(looked).toBeLessThanOrEqual(4 * seconds);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) expectErrorShape(answer, 429, 'RATE_LIMITED');
  });

  async function signedBuyer(sub: string): Promise<string> {
    const { signToken } = await import('@flash/auth');
    const now = Math.floor(Date.now() / 1000);
    return signToken({ sub, iat: now, exp: now + 600 }, e2e.world.config.jwtSecret);
  }
});
