import { connect } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Pool } from 'undici';
import { appRoutes } from '@bull-board/api/dist/routes';
import { signToken } from '@flash/auth';
import { bullConnection, closeBullConnection } from '@flash/orders';
import { Answer, call, createSale, devToken, expectErrorShape, until } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';
import { RunningProcess, freePort, startProcess, stopProcess } from '../support/stack';
import { waitHealthy } from '../../loadtest/bench/processes';

const BOARD_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'queue-board', 'src', 'main.js');

interface Board {
  process: RunningProcess;
  http: Pool;
  origin: string;
  port: number;
}

async function startBoard(e2e: E2E, env: Record<string, string> = {}): Promise<Board> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const process = startProcess(BOARD_MAIN, {
    ...e2e.world.env,
    QUEUE_BOARD_PORT: String(port),
    ...env,
  });
  await waitHealthy(process, origin);
  return { process, http: new Pool(origin), origin, port };
}

async function stopBoard(board: Board | undefined): Promise<void> {
  await board?.http.close();
  if (board) await stopProcess(board.process);
}

/** Every route of bull-board's API that changes something, with its parameters filled in. */
function writeRoutes(queueName: string): { method: string; path: string }[] {
  return appRoutes.api
    .filter((route) => route.method !== 'get')
    .flatMap((route) =>
      (Array.isArray(route.route) ? route.route : [route.route]).map((path: string) => ({
        method: String(route.method).toUpperCase(),
        path: `/queues${path
          .replace(':queueName', queueName)
          .replace(':queueStatus', 'failed')
          .replace(':jobId', 'some-job')
          .replace(':schedulerId', 'expiry-sweep')}`,
      })),
    );
}

/** A request written by hand: the absolute form of the target, which undici never sends. */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/** bull-board over the orders queue, its own process, behind the admin token. */
describe('the queue board', () => {
  let e2e: E2E;
  let board: Board;
  let writable: Board;
  let queue: Queue;
  let connection: ReturnType<typeof bullConnection>;
  let queueName: string;

  beforeAll(async () => {
    e2e = await startE2E({ JWT_MAX_LIFETIME_SECONDS: '3600' });
    [board, writable] = await Promise.all([
      startBoard(e2e),
      startBoard(e2e, { QUEUE_BOARD_WRITES: 'true' }),
    ]);
    const config = e2e.world.config;
    connection = bullConnection(config);
    queue = new Queue(config.queue.ordersQueue, {
      connection,
      prefix: config.queue.prefix,
    });
    const queues = await call(board.http, 'GET', '/queues/api/queues', { token: e2e.admin });
    queueName = (queues.body.queues as { name: string }[])[0].name;
  });
  afterAll(async () => {
    await queue?.close();
    if (connection) await closeBullConnection(connection);
    await stopBoard(board);
    await stopBoard(writable);
    await stopE2E(e2e);
  });

  async function login(target: Board, token: string, headers: Record<string, string> = {}) {
    return call(target.http, 'POST', '/login', {
      body: { token },
      headers: { origin: target.origin, ...headers },
    });
  }

  it('opens only to an admin token, by header or by the cookie /login sets', async () => {
    const page = await board.http.request({
      method: 'GET',
      path: '/queues',
      headers: { accept: 'text/html' },
    });
    await page.body.text();
    expect([page.statusCode, page.headers.location]).toEqual([302, '/login']);
    expectErrorShape(await call(board.http, 'GET', '/queues/api/queues'), 401, 'UNAUTHORIZED');
    const buyer = await devToken(e2e.stack.http, 'nosy-buyer');
    expectErrorShape(
      await call(board.http, 'GET', '/queues/api/queues', { token: buyer }),
      403,
      'FORBIDDEN',
    );
    expectErrorShape(
      await call(board.http, 'GET', '/queues/api/queues', { token: `${e2e.admin}x` }),
      401,
      'UNAUTHORIZED',
    );

    const answer = await login(board, e2e.admin);
    expect(answer.status).toBe(200);
    const setCookie = String(answer.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly; SameSite=Strict; Max-Age=3600$/);
    const cookie = setCookie.split(';')[0];
    const html = await board.http.request({ method: 'GET', path: '/queues', headers: { cookie } });
    expect(html.statusCode).toBe(200);
    expect(await html.body.text()).toContain('<html');

    expectErrorShape(await login(board, 'forged'), 401, 'UNAUTHORIZED');
    expectErrorShape(await login(board, buyer), 401, 'UNAUTHORIZED');
  });

  it('guards every route the router matches, however the path is spelled', async () => {
    const spellings = [
      '/queues/api/queues',
      '/%71ueues/api/queues',
      '/queue%73/api/queues',
      '/%71%75%65%75%65%73/api/queues',
      '/queues/%61pi/queues',
      '/queues/api/queue%73',
      '/queues/api/queues?x=1',
      '/queues/api/queues/',
      '/queues//api/queues',
      '/queues/api/queues/%2e%2e/queues',
      '/queues/api/redis/stats',
      '/queues/api/job-schedulers',
      `/queues/api/queues/${queueName}/workers`,
      `/queues/api/queues/${queueName}/metrics`,
      '/%71ueues',
      '/%71ueues/',
      '/queues/static/favicon-32x32.png',
    ];
    let matched = 0;
    for (const path of spellings) {
      const admin = await call(board.http, 'GET', path, { token: e2e.admin });
      const anonymous = await call(board.http, 'GET', path);
      expect({ path, status: anonymous.status }).not.toEqual({ path, status: 200 });
      if (admin.status === 200) {
        // The router took this spelling for a board route: the gate must have run on it.
        matched++;
        expect({ path, status: anonymous.status }).toEqual({ path, status: 401 });
      } else {
        expect({ path, status: admin.status }).toEqual({ path, status: 404 });
      }
    }
    // The encoded spellings that worked before the gate moved onto the matched route still match.
    expect(matched).toBeGreaterThanOrEqual(8);
  });

  it('refuses the absolute form of the request target without a token', async () => {
    for (const target of [
      'http://x/queues/api/queues',
      `http://127.0.0.1:${board.port}/queues/api/queues`,
      'http://x/%71ueues/api/queues',
    ]) {
      const answer = await rawRequest(
        board.port,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      expect({ target, line: answer.split('\r\n')[0] }).toEqual({
        target,
        line: 'HTTP/1.1 401 Unauthorized',
      });
      expect(answer).not.toContain('"queues"');
    }
  });

  it('is read-only by default: every write route refuses even an admin, and nothing changes', async () => {
    const before = await queue.getJobCounts();
    for (const { method, path } of writeRoutes(queueName)) {
      const answer = await call(board.http, method, path, { token: e2e.admin, body: {} });
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 403 });
      expect(answer.body.error.message).toContain('read-only');
    }
    expect(await queue.isPaused()).toBe(false);
    expect(await queue.getJobCounts()).toEqual(before);
    expect(await queue.getJobScheduler('expiry-sweep')).toBeTruthy();
  });

  it('refuses every write route to anonymous callers and buyers on the writable board', async () => {
    const buyer = await devToken(e2e.stack.http, 'board-writer');
    for (const { method, path } of writeRoutes(queueName)) {
      for (const path2 of [path, path.replace('/queues/', '/%71ueues/')]) {
        expectErrorShape(
          await call(writable.http, method, path2, { body: {} }),
          401,
          'UNAUTHORIZED',
        );
        expectErrorShape(
          await call(writable.http, method, path2, { token: buyer, body: {} }),
          403,
          'FORBIDDEN',
        );
      }
    }
    expect(await queue.isPaused()).toBe(false);
  });

  it('takes a write through the cookie only from its own origin, and parses no forms', async () => {
    const cookie = String((await login(writable, e2e.admin)).headers['set-cookie']).split(';')[0];
    const pause = `/queues/api/queues/${queueName}/pause`;
    const crossSite: Answer[] = [
      await call(writable.http, 'PUT', pause, { headers: { cookie }, body: {} }),
      await call(writable.http, 'PUT', pause, {
        headers: { cookie, origin: 'http://attacker.example' },
        body: {},
      }),
      await call(writable.http, 'POST', `/queues/api/queues/${queueName}/add`, {
        headers: {
          cookie,
          origin: 'null',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'name=persist-orders&data=%7B%7D',
      }),
    ];
    for (const answer of crossSite) expectErrorShape(answer, 403, 'FORBIDDEN');
    expect(await queue.isPaused()).toBe(false);
    // No form parser at all: a form-encoded login is not understood.
    const form = await call(writable.http, 'POST', '/login', {
      headers: { origin: writable.origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${e2e.admin}`,
    });
    expect(form.status).toBe(415);
    // A cross-site login is refused too (login CSRF).
    expectErrorShape(
      await call(writable.http, 'POST', '/login', {
        body: { token: e2e.admin },
        headers: { origin: 'http://attacker.example' },
      }),
      403,
      'FORBIDDEN',
    );

    // From its own origin, or with a bearer token (which no other site can make a browser send).
    const own = await call(writable.http, 'PUT', pause, {
      headers: { cookie, origin: writable.origin },
      body: {},
    });
    expect(own.status).toBe(200);
    expect(await queue.isPaused()).toBe(true);
    const resume = await call(writable.http, 'PUT', `/queues/api/queues/${queueName}/resume`, {
      token: e2e.admin,
      body: {},
    });
    expect(resume.status).toBe(200);
    expect(await queue.isPaused()).toBe(false);
  });

  it('refuses a token the API refuses as too long-lived, by header and at login', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Two hours, where this install allows one (JWT_MAX_LIFETIME_SECONDS): the API refuses it.
    const forever = signToken(
      { sub: 'ops', role: 'admin', iat: now, exp: now + 7200 },
      e2e.world.config.jwtSecret,
    );
    expectErrorShape(
      await call(e2e.stack.http, 'GET', '/admin/sales', { token: forever }),
      401,
      'UNAUTHORIZED',
    );
    expectErrorShape(
      await call(board.http, 'GET', '/queues/api/queues', { token: forever }),
      401,
      'UNAUTHORIZED',
    );
    expectErrorShape(await login(board, forever), 401, 'UNAUTHORIZED');
  });

  it("refuses a Host that is not the install's own while DEV_TOKENS is on", async () => {
    const rebind = { host: 'rebind.attacker.example' };
    expectErrorShape(
      await call(board.http, 'GET', '/queues/api/queues', { token: e2e.admin, headers: rebind }),
      403,
      'FORBIDDEN',
    );
    expectErrorShape(
      await call(board.http, 'POST', '/login', {
        body: { token: e2e.admin },
        headers: { ...rebind, origin: 'http://rebind.attacker.example' },
      }),
      403,
      'FORBIDDEN',
    );
    for (const host of ['localhost:3001', 'queue-board:3001', '[::1]:3001']) {
      const answer = await call(board.http, 'GET', '/queues/api/queues', {
        token: e2e.admin,
        headers: { host },
      });
      expect({ host, status: answer.status }).toEqual({ host, status: 200 });
    }
  });

  it('logs out by clearing the cookie', async () => {
    const answer = await call(board.http, 'POST', '/logout');
    expect(answer.status).toBe(200);
    expect(String(answer.headers['set-cookie'])).toMatch(/^flash_admin=; .*Max-Age=0/);
  });

  it('answers an anonymous health check without the job counts', async () => {
    expect((await call(board.http, 'GET', '/health')).body).toEqual({ status: 'ok' });
    const admin = await call(board.http, 'GET', '/health', { token: e2e.admin });
    expect(admin.body.jobs).toEqual(expect.objectContaining({ completed: expect.any(Number) }));
  });

  it("shows the orders queue's jobs once orders flow", async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 3 });
    const token = await devToken(e2e.stack.http, 'board-buyer');
    expect(
      (await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, { token, body: {} })).status,
    ).toBe(202);
    await until(async () => {
      const answer = await call(board.http, 'GET', '/queues/api/queues', { token: e2e.admin });
      const orders = (
        answer.body.queues as { name: string; counts: Record<string, number> }[]
      ).find((q) => q.name === queueName);
      return (orders?.counts.completed ?? 0) >= 1;
    });
  });
});
