import { signToken } from '@flash/auth';
import { call, createSale, expectErrorShape } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';
import { Stack, startStack } from '../support/stack';
import { destroyWorld, migrate, newWorld } from '../support/test-env';

/**
 * DNS rebinding: a page elsewhere makes a browser talk to 127.0.0.1 under the page's own host
 * name. While DEV_TOKENS mints admin tokens for anyone, the dev-token route and the admin
 * routes answer only to loopback, localhost and ALLOWED_HOSTS.
 */
describe('the install answers only to its own Host while DEV_TOKENS is on', () => {
  let e2e: E2E;

  beforeAll(async () => {
    e2e = await startE2E({ ALLOWED_HOSTS: 'shop.internal' }, { worker: false });
  });
  afterAll(() => stopE2E(e2e));

  it('refuses to mint a token, or to serve an admin, under a foreign Host', async () => {
    for (const host of ['rebind.attacker.example', 'rebind.attacker.example:3000', '10.0.0.1']) {
      expectErrorShape(
        await call(e2e.stack.http, 'POST', '/auth/dev-token', {
          body: { sub: 'ops', role: 'admin' },
          headers: { host },
        }),
        403,
        'FORBIDDEN',
      );
      expectErrorShape(
        await call(e2e.stack.http, 'GET', '/admin/sales', { token: e2e.admin, headers: { host } }),
        403,
        'FORBIDDEN',
      );
      expectErrorShape(
        await call(e2e.stack.http, 'POST', '/admin/sales', {
          token: e2e.admin,
          headers: { host },
          body: { name: 'x', sku: 'x', price: 1, stock: 1, startsAt: new Date().toISOString() },
        }),
        403,
        'FORBIDDEN',
      );
    }
    const { rows } = await e2e.sql.query(`SELECT count(*)::int AS n FROM sales`);
    expect(rows[0].n).toBe(0);
  });

  it('serves loopback, localhost and the allowed names', async () => {
    for (const host of ['127.0.0.1:3000', 'localhost', '[::1]:3000', 'shop.internal:3000']) {
      const minted = await call(e2e.stack.http, 'POST', '/auth/dev-token', {
        body: { sub: 'ops', role: 'admin' },
        headers: { host },
      });
      expect({ host, status: minted.status }).toEqual({ host, status: 200 });
      const listed = await call(e2e.stack.http, 'GET', '/admin/sales', {
        token: minted.body.token,
        headers: { host },
      });
      expect({ host, status: listed.status }).toEqual({ host, status: 200 });
    }
  });

  it("leaves buyers' and anonymous routes alone", async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin);
    const answer = await call(e2e.stack.http, 'GET', `/sales/${saleId}`, {
      headers: { host: 'shop.example' },
    });
    expect(answer.status).toBe(200);
  });
});

describe('without DEV_TOKENS, admin routes serve any Host (a real domain behind TLS)', () => {
  const world = newWorld({ DEV_TOKENS: 'false' });
  let stack: Stack;

  beforeAll(async () => {
    await migrate(world);
    stack = await startStack(world, { worker: false });
  });
  afterAll(async () => {
    await stack?.stop();
    await destroyWorld(world);
  });

  it('checks no Host when no one can mint a token', async () => {
    expectErrorShape(
      await call(stack.http, 'POST', '/auth/dev-token', { body: { sub: 'ops' } }),
      404,
      'NOT_FOUND',
    );
    const now = Math.floor(Date.now() / 1000);
    const admin = signToken(
      { sub: 'ops', role: 'admin', iat: now, exp: now + 600 },
      world.config.jwtSecret,
    );
    const answer = await call(stack.http, 'GET', '/admin/sales', {
      token: admin,
      headers: { host: 'shop.example.com' },
    });
    expect(answer.status).toBe(200);
  });
});
