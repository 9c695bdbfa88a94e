import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { call, createSale, devToken, expectErrorShape, until } from '../support/client';
import { Stack, freePort, startStack } from '../support/stack';
import { TestWorld, destroyWorld, migrate, newWorld } from '../support/test-env';

function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A Redis of the test's own on another loopback port, stopped and restarted empty under a
 * running API: purchases must fail closed (503, nothing sold), never sell from missing keys.
 */
(hasRedisServer() ? describe : describe.skip)('Redis outage', () => {
  let port: number;
  let redisProcess: ChildProcess | undefined;
  let world: TestWorld;
  let stack: Stack;

  async function startRedis(): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'flash-redis-'));
    redisProcess = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    const probe = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    await until(async () => {
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        probe.disconnect();
        return false;
      }
    }, 10_000);
    probe.disconnect();
  }

  async function stopRedis(): Promise<void> {
    const p = redisProcess;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    world = newWorld({ REDIS_URL: `redis://127.0.0.1:${port}` });
    await migrate(world);
    stack = await startStack(world);
  });

  afterAll(async () => {
    await stack?.stop();
    await stopRedis();
    await destroyWorld({
      ...world,
      config: { ...world.config, redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    });
  });

  it('answers 503 while Redis is down and fails closed after it comes back empty', async () => {
    const admin = await devToken(stack.http, 'ops', true);
    const buyer = await devToken(stack.http, 'fan');
    const saleId = await createSale(stack.http, admin);
    const buy = () =>
      call(stack.http, 'POST', `/sales/${saleId}/purchase`, {
        token: buyer,
        body: { quantity: 1 },
      });
    expect((await buy()).status).toBe(202);

    await stopRedis();
    const down = await buy();
    expectErrorShape(down, 503, 'UNAVAILABLE');
    expect(down.headers['retry-after']).toBe('1');
    const health = await call(stack.http, 'GET', '/health');
    expectErrorShape(health, 503, 'UNAVAILABLE');
    expect(health.body.error.message).toContain('redis');
    expectErrorShape(await call(stack.http, 'GET', `/sales/${saleId}`), 503, 'UNAVAILABLE');

    // Redis comes back with nothing in it: the sale's live state is gone.
    await startRedis();
    await until(async () => (await call(stack.http, 'GET', '/health')).status === 200, 15_000);
    const empty = await buy();
    expectErrorShape(empty, 503, 'UNAVAILABLE');
    const redis = new Redis({ port, host: '127.0.0.1' });
    try {
      // Nothing was written from the refused attempt: no stock key, no hold, no buyer count.
      expect(await redis.keys(`${world.config.redisKeyPrefix}{sale:${saleId}}*`)).toEqual([]);
    } finally {
      await redis.quit();
    }
  });
});
