import { Pool } from 'undici';
import { call, createSale, devToken, expectErrorShape, until } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';
import { RunningProcess, freePort, startProcess, stopProcess } from '../support/stack';
import { join } from 'node:path';
import { waitHealthy } from '../../loadtest/bench/processes';

const BOARD_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'queue-board', 'src', 'main.js');

/** bull-board over the orders queue, its own process, behind the admin token. */
describe('the queue board', () => {
  let e2e: E2E;
  let board: RunningProcess;
  let http: Pool;

  beforeAll(async () => {
    e2e = await startE2E();
    const port = await freePort();
    board = startProcess(BOARD_MAIN, { ...e2e.world.env, QUEUE_BOARD_PORT: String(port) });
    await waitHealthy(board, `http://127.0.0.1:${port}`);
    http = new Pool(`http://127.0.0.1:${port}`);
  });
  afterAll(async () => {
    await http?.close();
    await stopProcess(board);
    await stopE2E(e2e);
  });

  it('opens only to an admin token, by header or by the cookie /login sets', async () => {
    const page = await http.request({
      method: 'GET',
      path: '/queues',
      headers: { accept: 'text/html' },
    });
    await page.body.text();
    expect([page.statusCode, page.headers.location]).toEqual([302, '/login']);
    expectErrorShape(await call(http, 'GET', '/queues/api/queues'), 401, 'UNAUTHORIZED');
    const buyer = await devToken(e2e.stack.http, 'nosy-buyer');
    expectErrorShape(
      await call(http, 'GET', '/queues/api/queues', { token: buyer }),
      403,
      'FORBIDDEN',
    );
    expectErrorShape(
      await call(http, 'GET', '/queues/api/queues', { token: `${e2e.admin}x` }),
      401,
      'UNAUTHORIZED',
    );

    const login = await http.request({
      method: 'POST',
      path: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: e2e.admin }).toString(),
    });
    await login.body.text();
    expect(login.statusCode).toBe(302);
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    expect(String(login.headers['set-cookie'])).toContain('HttpOnly');
    const html = await http.request({ method: 'GET', path: '/queues', headers: { cookie } });
    expect(html.statusCode).toBe(200);
    expect(await html.body.text()).toContain('<html');

    const refused = await http.request({
      method: 'POST',
      path: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=forged',
    });
    await refused.body.text();
    expect(refused.statusCode).toBe(401);
  });

  it("shows the orders queue's jobs once orders flow", async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 3 });
    const token = await devToken(e2e.stack.http, 'board-buyer');
    expect(
      (await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, { token, body: {} })).status,
    ).toBe(202);
    await until(async () => {
      const answer = await call(http, 'GET', '/queues/api/queues', { token: e2e.admin });
      const orders = (
        answer.body.queues as { name: string; counts: Record<string, number> }[]
      ).find((q) => q.name === e2e.world.config.queue.ordersQueue);
      return (orders?.counts.completed ?? 0) >= 1;
    });
  });
});
