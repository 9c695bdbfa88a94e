import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { signToken } from '@flash/auth';
import { TEST_SECRETS } from '@flash/config';
import { call, expectErrorShape } from '../support/client';
import { API_MAIN, freePort, startProcess, stopProcess } from '../support/stack';
import { destroyWorld, migrate, newWorld } from '../support/test-env';
import { waitHealthy } from '../../loadtest/bench/processes';

/**
 * NODE_ENV=test is no back door: a process started that way by hand, with no secrets, makes
 * its own (it never falls back to the published ones), and half a set of secrets stops it.
 */
describe('published secrets outside the test runner', () => {
  const world = newWorld();
  let dir: string;

  beforeAll(async () => {
    await migrate(world);
    dir = mkdtempSync(join(tmpdir(), 'flash-secrets-e2e-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await destroyWorld(world);
  });

  /** The world's environment without the secrets the test runner sets. */
  function byHand(extra: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = { ...world.env, SECRETS_DIR: dir, ...extra };
    for (const name of Object.keys(TEST_SECRETS)) if (!(name in extra)) delete env[name];
    return env;
  }

  it('refuses tokens signed with the published test secret, and names where its secrets came from', async () => {
    const port = await freePort();
    const api = startProcess(API_MAIN, byHand({ PORT: String(port), LOG_LEVEL: 'info' }));
    const http = new Pool(`http://127.0.0.1:${port}`);
    try {
      await waitHealthy(api, `http://127.0.0.1:${port}`);
      const now = Math.floor(Date.now() / 1000);
      const forged = signToken(
        { sub: 'ops', role: 'admin', iat: now, exp: now + 600 },
        TEST_SECRETS.JWT_SECRET,
      );
      expectErrorShape(
        await call(http, 'GET', '/admin/sales', { token: forged }),
        401,
        'UNAUTHORIZED',
      );
      expect(api.output()).toContain(`JWT_SECRET from generated into ${join(dir, 'secrets.json')}`);
    } finally {
      await http.close();
      await stopProcess(api);
    }
  });

  it('stops when only JWT_SECRET is set, naming the missing secrets', async () => {
    const api = startProcess(
      API_MAIN,
      byHand({ PORT: String(await freePort()), JWT_SECRET: 'j'.repeat(40) }),
    );
    expect((await api.exited).code).toBe(1);
    expect(api.output()).toContain('ADMISSION_TOKEN_SECRET, PAYMENT_WEBHOOK_SECRET are not set');
  });

  it('stops on published values outside NODE_ENV=test', async () => {
    const api = startProcess(
      API_MAIN,
      byHand({ PORT: String(await freePort()), NODE_ENV: 'development', ...TEST_SECRETS }),
    );
    expect((await api.exited).code).toBe(1);
    expect(api.output()).toContain('JWT_SECRET is a published test value');
  });
});
