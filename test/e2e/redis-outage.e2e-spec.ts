import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
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

  it('answers 503 while Redis is down, and after an empty restart sells again from what Postgres had', async () => {
    const admin = await devToken(stack.http, 'ops', true);
    const buyer = await devToken(stack.http, 'fan');
    const saleId = await createSale(stack.http, admin, { stock: 10 });
    const buy = (token: string) =>
      call(stack.http, 'POST', `/sales/${saleId}/purchase`, { token, body: { quantity: 1 } });
    const first = await buy(buyer);
    expect(first.status).toBe(202);
    const stats = async () =>
      (await call(stack.http, 'GET', `/admin/sales/${saleId}/stats`, { token: admin })).body;
    await until(async () => (await stats()).pipelineLag === 0);

    await stopRedis();
    const down = await buy(buyer);
    expectErrorShape(down, 503, 'UNAVAILABLE');
    expect(down.headers['retry-after']).toBe('1');
    const health = await call(stack.http, 'GET', '/health');
    expectErrorShape(health, 503, 'UNAVAILABLE');
    expect(health.body.error.message).toContain('redis');
    expectErrorShape(await call(stack.http, 'GET', `/sales/${saleId}`), 503, 'UNAVAILABLE');

    // Redis comes back with nothing in it. Until the worker has rebuilt the sale from
    // Postgres, purchases fail closed; then they sell again.
    await startRedis();
    const other = await devToken(stack.http, 'second');
    await until(async () => {
      const answer = await buy(other);
      if (answer.status !== 503) expect(answer.status).toBe(202);
      return answer.status === 202;
    }, 30_000);
    expect(await call(stack.http, 'GET', '/health', { token: admin })).toMatchObject({
      status: 200,
      body: { sales: {} },
    });

    // The order Postgres had is back, with its buyer's limit; nothing was sold twice.
    const order = await call(stack.http, 'GET', `/orders/${first.body.orderId}`, { token: buyer });
    expect(order.body).toMatchObject({ status: 'pending_payment', saleId });
    expectErrorShape(await buy(buyer), 409, 'LIMIT_REACHED');
    await until(async () => (await stats()).pipelineLag === 0);
    expect(await stats()).toMatchObject({ stock: 10, remaining: 8, held: 2, unitsPersisted: 2 });

    // The worker's expiry sweep was scheduled in the Redis that was lost: it is back.
    const queue = new Queue(world.config.queue.ordersQueue, {
      connection: { host: '127.0.0.1', port },
      prefix: world.config.queue.prefix,
    });
    try {
      await until(async () => (await queue.getJobScheduler('expiry-sweep')) !== undefined, 15_000);
    } finally {
      await queue.close();
    }
  });
});
