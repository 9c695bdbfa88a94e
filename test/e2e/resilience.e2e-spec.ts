import { Client } from 'pg';
import { RedisClient, RedisKeys } from '@flash/redis';
import { OrdersQueue } from '@flash/orders';
import { call, createSale, devToken, expectErrorShape, until } from '../support/client';
import { API_MAIN, Stack, startProcess, startStack, stopProcess } from '../support/stack';
import { TestWorld, worldRedis } from '../support/test-env';
import { startE2E, stopE2E } from '../support/e2e';

/** Failure and lifecycle: lost Redis state, bad config, a killed worker, SIGTERM. */
describe('resilience', () => {
  let world: TestWorld;
  let stack: Stack;
  let sql: Client;
  let redis: RedisClient;
  let admin: string;

  beforeAll(async () => {
    // A long linger keeps jobs inside the worker's batch long enough to kill it there.
    ({ world, stack, sql, admin } = await startE2E(
      {
        ORDER_BATCH_LINGER_MS: '1500',
        WORKER_LOCK_DURATION_MS: '1000',
        WORKER_STALLED_INTERVAL_MS: '1000',
      },
      { worker: false },
    ));
    redis = worldRedis(world);
  });

  afterAll(async () => {
    await redis?.quit();
    await stopE2E({ world, stack, sql });
  });

  const newSale = (stock: number) => createSale(stack.http, admin, { stock });

  async function buyMany(saleId: string, n: number, prefix: string): Promise<string[]> {
    const answers = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const token = await devToken(stack.http, `${prefix}-${i}`);
        return call(stack.http, 'POST', `/sales/${saleId}/purchase`, {
          token,
          body: { quantity: 1 },
        });
      }),
    );
    return answers.filter((a) => a.status === 202).map((a) => a.body.orderId as string);
  }

  const rows = async (saleId: string) =>
    (
      await sql.query(
        `SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM orders WHERE sale_id = $1`,
        [saleId],
      )
    ).rows[0];

  it('fails closed with 503 when Redis lost a sale, and sells nothing', async () => {
    const saleId = await newSale(10);
    const keys = new RedisKeys(world.config.redisKeyPrefix).sale(saleId);
    await redis.del(keys.state); // Redis restarted empty: the live state is gone.
    const token = await devToken(stack.http, 'unlucky');
    const answer = await call(stack.http, 'POST', `/sales/${saleId}/purchase`, {
      token,
      body: { quantity: 1 },
    });
    expectErrorShape(answer, 503, 'UNAVAILABLE');
    expect(answer.headers['retry-after']).toBe('1');
    expect(await redis.exists(keys.state, keys.buyers, keys.holds)).toBe(0);
    expectErrorShape(await call(stack.http, 'GET', `/sales/${saleId}`), 503, 'UNAVAILABLE');
    expect((await rows(saleId)).n).toBe(0);
  });

  it('leaves exactly one row per order when the worker is killed mid-batch and restarted', async () => {
    const saleId = await newSale(300);
    const orderIds = await buyMany(saleId, 300, 'k');
    expect(orderIds).toHaveLength(300);
    const queue = new OrdersQueue(world.config);
    try {
      const first = stack.startWorker();
      // Wait until the worker holds jobs in its batch (active), then kill it without warning.
      await until(async () => (await queue.depth()).active > 0);
      first.child.kill('SIGKILL');
      await first.exited;
      expect((await rows(saleId)).n).toBeLessThan(300);
      // A new worker picks up the stalled jobs once their locks lapse.
      stack.startWorker({ ORDER_BATCH_LINGER_MS: '5' });
      await until(async () => (await rows(saleId)).n === 300, 40_000);
      await until(async () => {
        const d = await queue.depth();
        return d.active + d.waiting === 0; // the expiry sweep always has a delayed run
      });
    } finally {
      await queue.onApplicationShutdown();
    }
    const { n, d } = await rows(saleId);
    expect({ n, d }).toEqual({ n: 300, d: 300 });
    const stats = (await call(stack.http, 'GET', `/admin/sales/${saleId}/stats`, { token: admin }))
      .body;
    expect(stats).toMatchObject({
      remaining: 0,
      held: 300,
      ordersPersisted: 300,
      unitsPersisted: 300,
      pipelineLag: 0,
    });
  });

  it('on SIGTERM the worker finishes the batch it holds before exiting', async () => {
    await stopProcess(stack.worker);
    const saleId = await newSale(50);
    const orderIds = await buyMany(saleId, 50, 't');
    const queue = new OrdersQueue(world.config);
    let held = 0;
    try {
      const worker = stack.startWorker(); // linger 1500 ms: jobs wait in the batch
      await until(async () => (held = await ordersHeld(queue, saleId)) > 0);
      const exit = await stopProcess(worker, 'SIGTERM');
      expect(exit).toEqual({ code: 0, signal: null });
      // Every order of the batch it held is written. The relay may have queued the sale's
      // orders as more than one job, and a job it had not yet taken waits for the next worker.
      expect((await rows(saleId)).n).toBeGreaterThanOrEqual(held);
      stack.startWorker();
      await until(async () => (await rows(saleId)).n === orderIds.length);
    } finally {
      await queue.onApplicationShutdown();
    }
    expect(await rows(saleId)).toEqual({ n: 50, d: 50 });
  });

  /** How many of the sale's orders sit in jobs a worker holds (active). */
  async function ordersHeld(queue: OrdersQueue, saleId: string): Promise<number> {
    const active = await queue.queue.getActive();
    return active
      .flatMap((job) => ('orders' in job.data ? job.data.orders : []))
      .filter((order) => order.saleId === saleId).length;
  }

  it('the API exits cleanly on SIGTERM', async () => {
    const extra = await startStack(world, { worker: false });
    const exit = await stopProcess(extra.api, 'SIGTERM');
    await extra.http.close();
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be an integer'],
    [{ REDIS_URL: 'mysql://x' }, 'REDIS_URL must use redis: or rediss:'],
    [
      {
        NODE_ENV: 'production',
        JWT_SECRET: '',
        ADMISSION_TOKEN_SECRET: '',
        PAYMENT_WEBHOOK_SECRET: '',
      },
      'JWT_SECRET is required',
    ],
    [
      { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), DEV_TOKENS: 'true' },
      'DEV_TOKENS must not be true',
    ],
  ])('refuses to start with %j, naming the variable', async (env, message) => {
    const p = startProcess(API_MAIN, { ...world.env, PORT: '0', ...env });
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    expect(p.output()).toContain(message);
  });
});
