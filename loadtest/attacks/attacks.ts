import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Job, Queue } from 'bullmq';
import { Pool } from 'undici';
import { TEST_SECRETS, loadConfig } from '@flash/config';
import { newOrderId } from '@flash/inventory';
import { bullConnection, closeBullConnection } from '@flash/orders';
import { mintToken } from '../bench/bench-support';
import { freePort, startProcess, stopProcess, waitHealthy } from '../bench/processes';
import { API_MAIN, AttackStack } from './attack-stack';
import { Answer, Attack, buy, call, createSale, raw, verdict } from './attack-kit';

async function withQueue<T>(stack: AttackStack, use: (queue: Queue) => Promise<T>): Promise<T> {
  const config = loadConfig(stack.env);
  const connection = bullConnection(config);
  const queue = new Queue(config.queue.ordersQueue, { connection, prefix: config.queue.prefix });
  try {
    return await use(queue);
  } finally {
    await queue.close();
    await closeBullConnection(connection);
  }
}

/** The job once the worker has failed or finished it, and the dead-letter sweep ran twice since. */
async function settled(queue: Queue, jobId: string): Promise<Job | undefined> {
  for (let i = 0; i < 200; i++) {
    const job = await queue.getJob(jobId);
    if (job?.finishedOn) break;
    await sleep(50);
  }
  await sleep(1000); // the sweep runs every 300 ms in this stack: it has replayed by now, or never
  return queue.getJob(jobId);
}

/** An order as a forged persist-orders job carries it: accepted now, due in a minute. */
function forgedOrder(
  fields: { orderId: string; saleId: string; buyerId: string } & Record<string, unknown>,
) {
  const now = Date.now();
  return {
    quantity: 1,
    createdAtMs: now,
    expiresAtMs: now + 60_000,
    status: 'pending_payment',
    ...fields,
  };
}

/** Adds a persist-orders job with one attempt, as the board would, and waits until it settled. */
function addForged(stack: AttackStack, data: unknown): Promise<Job | undefined> {
  return withQueue(stack, async (queue) => {
    const added = await queue.add('persist-orders', data, { attempts: 1 });
    return settled(queue, added.id as string);
  });
}

async function storedStatus(stack: AttackStack, orderId: string): Promise<string | undefined> {
  const sql = await stack.sql();
  try {
    const { rows } = await sql.query<{ status: string }>(
      `SELECT status FROM orders WHERE id = $1`,
      [orderId],
    );
    return rows[0]?.status;
  } finally {
    await sql.end();
  }
}

async function waitStored(stack: AttackStack, orderId: string): Promise<void> {
  for (let i = 0; i < 200 && (await storedStatus(stack, orderId)) === undefined; i++)
    await sleep(50);
}

/** Starts the API with `env` over the stack's; whether it refused to start, and its words. */
async function startsWith(
  stack: AttackStack,
  env: Record<string, string>,
): Promise<{ started: boolean; output: string }> {
  const port = await freePort();
  const merged: Record<string, string> = { ...stack.env, PORT: String(port), ...env };
  for (const [name, value] of Object.entries(merged)) if (value === '') delete merged[name];
  const api = startProcess(API_MAIN, merged);
  try {
    await waitHealthy(api, `http://127.0.0.1:${port}`, 15_000);
    return { started: true, output: api.output() };
  } catch {
    return { started: false, output: api.output() };
  } finally {
    await stopProcess(api);
  }
}

export const ATTACKS: Attack[] = [
  {
    id: 'board-encoded-path',
    severity: 'critical',
    point: 1,
    title: 'queue board API without a token, the path %-encoded',
    async run(stack) {
      const paths = ['/%71ueues/api/queues', '/queue%73/api/queues', '/queues/%61pi/queues'];
      const statuses = await Promise.all(
        paths.map(async (p) => (await call(stack.board, 'GET', p)).status),
      );
      return verdict(
        statuses.every((s) => s !== 200),
        `answered ${statuses.join(', ')}`,
      );
    },
  },
  {
    id: 'board-absolute-form',
    severity: 'critical',
    point: 1,
    title: 'queue board API without a token, absolute-form request target',
    async run(stack) {
      const answer = await raw(
        stack.urls.boardPort,
        'GET http://x/queues/api/queues HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      );
      const line = answer.split('\r\n')[0];
      return verdict(!line.includes(' 200 '), line);
    },
  },
  {
    id: 'board-writes',
    severity: 'critical',
    point: 1,
    title: 'pause the queue and add a job from the (read-only) board, as an admin',
    async run(stack) {
      const names = await call(stack.board, 'GET', '/queues/api/queues', { token: stack.admin });
      const name = names.body?.queues?.[0]?.name ?? 'orders';
      const pause = await call(stack.board, 'PUT', `/queues/api/queues/${name}/pause`, {
        token: stack.admin,
        body: {},
      });
      const add = await call(stack.board, 'POST', `/queues/api/queues/${name}/add`, {
        token: stack.admin,
        body: { name: 'persist-orders', data: { orders: [] } },
      });
      const paused = await withQueue(stack, (q) => q.isPaused());
      return verdict(
        pause.status === 403 && add.status === 403 && !paused,
        `pause ${pause.status}, add ${add.status}, queue paused: ${paused}`,
      );
    },
  },
  {
    id: 'forged-payment-job',
    severity: 'critical',
    point: 1,
    title: "a persist-orders job marking a buyer's unpaid order paid",
    async run(stack) {
      const saleId = await createSale(stack);
      const bought = await buy(stack, saleId, 'victim');
      const orderId = bought.body?.orderId as string;
      await waitStored(stack, orderId);
      const job = await addForged(stack, {
        orders: [forgedOrder({ orderId, saleId, buyerId: 'victim', status: 'paid' })],
      });
      const status = await storedStatus(stack, orderId);
      return verdict(status === 'pending_payment', `order ${status}; job: ${job?.failedReason}`);
    },
  },
  {
    id: 'forged-order-job',
    severity: 'critical',
    point: 1,
    title: 'a persist-orders job inserting a paid 5-unit order on a limit-2 sale',
    async run(stack) {
      const saleId = await createSale(stack);
      const orderId = randomUUID();
      await addForged(stack, {
        orders: [forgedOrder({ orderId, saleId, buyerId: 'hoarder', quantity: 5, status: 'paid' })],
      });
      const status = await storedStatus(stack, orderId);
      return verdict(status === undefined, `row: ${status ?? 'none'}`);
    },
  },
  {
    id: 'unknown-sale-job',
    severity: 'critical',
    point: 1,
    title: 'a job for an unknown sale, hoping to fail real batches and be replayed for ever',
    async run(stack) {
      const saleId = await createSale(stack);
      const job = await addForged(stack, {
        orders: [forgedOrder({ orderId: randomUUID(), saleId: randomUUID(), buyerId: 'nobody' })],
      });
      const real = await buy(stack, saleId, 'bystander');
      const realId = real.body?.orderId as string;
      await waitStored(stack, realId);
      const stored = await storedStatus(stack, realId);
      return verdict(
        job?.attemptsMade === 1 && stored === 'pending_payment',
        `job attempts ${job?.attemptsMade}, a real order beside it: ${stored}`,
      );
    },
  },
  {
    id: 'production-pretends',
    severity: 'high',
    point: 2,
    title: 'start in production with no payment provider chosen (the simulated one answers paid)',
    async run(stack) {
      const { started, output } = await startsWith(stack, {
        NODE_ENV: 'production',
        DEV_TOKENS: 'false',
      });
      return verdict(
        !started && output.includes('PAYMENT_PROVIDER is required'),
        started ? 'started' : 'refused to start',
      );
    },
  },
  {
    id: 'dev-token-rebinding',
    severity: 'medium',
    point: 3,
    title: 'mint an admin dev token under a rebinding Host',
    async run(stack) {
      const answer = await call(stack.http, 'POST', '/auth/dev-token', {
        body: { sub: 'ops', role: 'admin' },
        headers: { host: 'rebind.attacker.example' },
      });
      const admin = await call(stack.http, 'GET', '/admin/sales', {
        token: stack.admin,
        headers: { host: 'rebind.attacker.example' },
      });
      return verdict(
        answer.status === 403 && admin.status === 403,
        `mint ${answer.status}, admin ${admin.status}`,
      );
    },
  },
  {
    id: 'test-secrets-backdoor',
    severity: 'medium',
    point: 4,
    title: 'NODE_ENV=test with no secrets, and a token signed with the published test secret',
    async run(stack) {
      const port = await freePort();
      const env: Record<string, string> = { ...stack.env, NODE_ENV: 'test', PORT: String(port) };
      for (const name of Object.keys(TEST_SECRETS)) delete env[name];
      env.SECRETS_DIR = `/tmp/attack-secrets-${randomUUID()}`;
      const api = startProcess(API_MAIN, env);
      const http = new Pool(`http://127.0.0.1:${port}`);
      try {
        await waitHealthy(api, `http://127.0.0.1:${port}`);
        const forged = mintToken('ops', TEST_SECRETS.JWT_SECRET, true);
        const answer = await call(http, 'GET', '/admin/sales', { token: forged });
        return verdict(answer.status === 401, `answered ${answer.status}`);
      } finally {
        await http.close();
        await stopProcess(api);
      }
    },
  },
  {
    id: 'trust-proxy-true',
    severity: 'medium',
    point: 5,
    title: "start with TRUST_PROXY=true (believe any client's X-Forwarded-For)",
    async run(stack) {
      const { started } = await startsWith(stack, { TRUST_PROXY: 'true' });
      return verdict(!started, started ? 'started' : 'refused to start');
    },
  },
  {
    id: 'spoofed-forwarded-for',
    severity: 'medium',
    point: 5,
    title: 'four anonymous streams through the balancer, each with a new X-Forwarded-For (limit 3)',
    async run(stack) {
      const saleId = await createSale(stack);
      const statuses: number[] = [];
      const pools: Pool[] = [];
      try {
        for (let i = 0; i < 4; i++) {
          const pool = new Pool(stack.urls.lb, { connections: 1 });
          pools.push(pool);
          const res = await pool.request({
            method: 'GET',
            path: `/sales/${saleId}/events`,
            headers: { 'x-forwarded-for': `198.51.100.${i + 1}` },
          });
          statuses.push(res.statusCode);
          if (res.statusCode !== 200) await res.body.dump();
          else res.body.on('error', () => undefined);
        }
      } finally {
        await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
      }
      return verdict(statuses[3] === 429, `streams answered ${statuses.join(', ')}`);
    },
  },
  {
    id: 'stream-starvation',
    severity: 'medium',
    point: 6,
    title: 'fill the instance with anonymous stock streams, then an operator tries to watch',
    async run(stack) {
      const saleId = await createSale(stack);
      const pools: Pool[] = [];
      const open = async (headers: Record<string, string>, path: string) => {
        const pool = new Pool(stack.urls.api, { connections: 1 });
        pools.push(pool);
        const res = await pool.request({ method: 'GET', path, headers });
        if (res.statusCode !== 200) await res.body.dump();
        else res.body.on('error', () => undefined);
        return res.statusCode;
      };
      try {
        for (let i = 0; i < 10; i++)
          await open({ 'x-forwarded-for': `203.0.113.${i}` }, `/sales/${saleId}/events`);
        const operator = await open(
          { authorization: `Bearer ${stack.admin}` },
          `/admin/sales/${saleId}/events`,
        );
        return verdict(operator === 200, `the operator's stream answered ${operator}`);
      } finally {
        await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
      }
    },
  },
  {
    id: 'unknown-sale-flood',
    severity: 'medium',
    point: 7,
    title: 'one buyer buys 60 sales that do not exist (each once a Postgres lookup)',
    async run(stack) {
      const token = mintToken('prober', stack.env.JWT_SECRET);
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++)
        statuses.push(
          (await call(stack.http, 'POST', `/sales/${randomUUID()}/purchase`, { token, body: {} }))
            .status,
        );
      const looked = statuses.filter((s) => s === 404).length;
      return verdict(
        looked <= 21 && statuses.includes(429),
        `${looked} answered 404, the rest 429`,
      );
    },
  },
  {
    id: 'anonymous-flood',
    severity: 'medium',
    point: 7,
    title: '150 anonymous requests to GET /sales in a second from one address',
    async run(stack) {
      const answers = await Promise.all(
        Array.from({ length: 150 }, () => call(stack.http, 'GET', '/sales')),
      );
      const limited = answers.filter((a) => a.status === 429).length;
      return verdict(limited > 0, `${limited} of 150 answered 429`);
    },
  },
  {
    id: 'buy-cancel-churn',
    severity: 'medium',
    point: 8,
    title: 'buy, cancel and buy again, over and over',
    async run(stack) {
      const saleId = await createSale(stack);
      const token = mintToken('churner', stack.env.JWT_SECRET);
      let last: Answer | undefined;
      for (let cycle = 0; cycle < 4; cycle++) {
        last = await call(stack.http, 'POST', `/sales/${saleId}/purchase`, { token, body: {} });
        if (last.status !== 202) break;
        await call(stack.http, 'POST', `/orders/${last.body?.orderId}/cancel`, { token });
      }
      return verdict(
        last?.status === 409 && last?.body?.error?.code === 'LIMIT_REACHED',
        `after the budget: ${last?.status} ${last?.body?.error?.code ?? ''}`,
      );
    },
  },
  {
    id: 'public-metrics',
    severity: 'low',
    point: 10,
    title: 'read /metrics (units per sale) through the balancer without a token',
    async run(stack) {
      const answer = await call(stack.http, 'GET', '/metrics');
      return verdict(answer.status === 401, `answered ${answer.status}`);
    },
  },
  {
    id: 'health-names-sales',
    severity: 'low',
    point: 10,
    title: 'learn which sales are broken from /health',
    async run(stack) {
      const answer = await call(stack.http, 'GET', '/health');
      const keys = Object.keys((answer.body as object | undefined) ?? {});
      return verdict(!keys.includes('sales'), `anonymous /health has ${keys.join(', ')}`);
    },
  },
  {
    id: 'fabricated-lost-orders',
    severity: 'low',
    point: 11,
    title: 'made-up UUIDv7 order ids, hoping for 410 ORDER_LOST and a lost-order count',
    async run(stack) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          call(stack.http, 'GET', `/orders/${newOrderId()}`, { token: stack.admin }),
        ),
      );
      const lost = answers.filter((a) => a.status === 410).length;
      return verdict(lost === 0, `${lost} of 10 answered 410`);
    },
  },
  {
    id: 'board-long-token',
    severity: 'low',
    point: 12,
    title: 'open the board with a token the API refuses as too long-lived',
    async run(stack) {
      const forever = mintToken('ops', stack.env.JWT_SECRET, true, 400 * 86_400);
      const answer = await call(stack.board, 'GET', '/queues/api/queues', { token: forever });
      return verdict(answer.status === 401, `answered ${answer.status}`);
    },
  },
  {
    id: 'board-csrf-form',
    severity: 'low',
    point: 12,
    title: 'a cross-site form POST to the board',
    async run(stack) {
      const answer = await call(stack.board, 'POST', '/login', {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'http://attacker.example',
        },
        body: `token=${stack.admin}`,
      });
      return verdict(answer.status === 415 || answer.status === 403, `answered ${answer.status}`);
    },
  },
  {
    id: 'frame-the-pages',
    severity: 'low',
    point: 13,
    title: 'frame the buyer page, or sniff a script from it',
    async run(stack) {
      const answer = await call(stack.http, 'GET', '/');
      const csp = String(answer.headers['content-security-policy'] ?? '');
      const ok =
        csp.includes("frame-ancestors 'none'") &&
        answer.headers['x-content-type-options'] === 'nosniff';
      return verdict(ok, ok ? 'CSP frame-ancestors none, nosniff' : `CSP: ${csp || 'none'}`);
    },
  },
];
