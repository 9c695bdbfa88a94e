import { connect } from 'node:net';
import { Pool } from 'undici';
import { call, createSale, devToken, expectErrorShape } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';

/**
 * What one client can hold open on an instance: a bounded number of event streams per buyer
 * and per instance, and no connection that trickles its request for minutes.
 */
describe('connection limits', () => {
  let e2e: E2E;

  beforeAll(async () => {
    e2e = await startE2E(
      {
        SSE_STREAMS_PER_BUYER: '2',
        SSE_STREAMS_PER_INSTANCE: '3',
        HTTP_HEADERS_TIMEOUT_MS: '1000',
        HTTP_REQUEST_TIMEOUT_MS: '2000',
      },
      { worker: false },
    );
  });
  afterAll(() => stopE2E(e2e));

  it('gives a buyer at most SSE_STREAMS_PER_BUYER streams, the instance SSE_STREAMS_PER_INSTANCE', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, {
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
      waitingRoom: { admissionRate: 10 },
    });
    const tokens = new Map<string, string>();
    for (const buyer of ['a', 'b']) {
      tokens.set(buyer, await devToken(e2e.stack.http, buyer));
      const joined = await call(e2e.stack.http, 'POST', `/sales/${saleId}/queue`, {
        token: tokens.get(buyer),
      });
      expect(joined.status).toBe(201);
    }
    // Each stream on a connection of its own, as browsers open them.
    const opened: Pool[] = [];
    const open = async (buyer: string) => {
      const pool = new Pool(e2e.stack.baseUrl, { connections: 1 });
      opened.push(pool);
      return pool.request({
        method: 'GET',
        path: `/sales/${saleId}/queue/events`,
        headers: { authorization: `Bearer ${tokens.get(buyer)}` },
      });
    };
    // Hanging up on a stream is what a leaving browser does; the abort is expected.
    const hangUp = (res: Awaited<ReturnType<typeof open>>) => {
      res.body.on('error', () => undefined);
      res.body.destroy();
    };
    try {
      const first = await open('a');
      const second = await open('a');
      expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
      const third = await open('a');
      expect(third.statusCode).toBe(429);
      expect(third.headers['retry-after']).toBeDefined();
      const body = (await third.body.json()) as { error: { code: string } };
      expect(body.error.code).toBe('RATE_LIMITED');

      // Of 3 streams the line is guaranteed 2 (docs/api.md), both a's; the third slot is kept
      // for the other kinds (an order, an operator, a page's stock): full, for the line.
      const full = await open('b');
      expect(full.statusCode).toBe(503);
      expect(((await full.body.json()) as { error: { code: string } }).error.code).toBe(
        'UNAVAILABLE',
      );

      // Closing a stream gives its slot back.
      hangUp(first);
      let again = await open('b');
      for (let i = 0; i < 50 && again.statusCode !== 200; i++) {
        await again.body.dump();
        await new Promise((r) => setTimeout(r, 50));
        again = await open('b');
      }
      expect(again.statusCode).toBe(200);
      for (const res of [second, again]) hangUp(res);
    } finally {
      await Promise.all(opened.map((p) => p.destroy()));
    }
    // Ordinary requests were never affected.
    expectErrorShape(
      await call(e2e.stack.http, 'GET', `/sales/not-a-uuid`),
      400,
      'INVALID_REQUEST',
    );
  });

  it('closes a connection that trickles its headers (slowloris)', async () => {
    const url = new URL(e2e.stack.baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    const closed = new Promise<string>((resolve) => {
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('close', () => resolve(answer));
    });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // One header byte every 200 ms, never finishing: bounded at 100 bytes (20 s).
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write('X');
    }, 200);
    const sent = setTimeout(() => socket.destroy(), 20_000);
    const answer = await closed;
    clearInterval(trickle);
    clearTimeout(sent);
    // Closed by the server, not by the test's bound: with 408 Request Timeout.
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

/**
 * Anonymous stock streams, which anyone can open from as many addresses as they have, cannot
 * take the room of buyers in line, buyers following an order, or operators.
 */
describe('stream shares', () => {
  let e2e: E2E;

  beforeAll(async () => {
    e2e = await startE2E(
      { SSE_STREAMS_PER_INSTANCE: '10', TRUST_PROXY: '127.0.0.1/32,::1' },
      { worker: false },
    );
  });
  afterAll(() => stopE2E(e2e));

  it('keeps the line, the orders and the operators their room under a flood of stock streams', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, {
      stock: 5,
      waitingRoom: { admissionRate: 10 },
    });
    const buyer = await devToken(e2e.stack.http, 'in-line');
    expect(
      (await call(e2e.stack.http, 'POST', `/sales/${saleId}/queue`, { token: buyer })).status,
    ).toBe(201);
    const opened: Pool[] = [];
    const open = async (path: string, headers: Record<string, string>) => {
      const pool = new Pool(e2e.stack.baseUrl, { connections: 1 });
      opened.push(pool);
      const res = await pool.request({ method: 'GET', path, headers });
      if (res.statusCode !== 200) await res.body.dump();
      else res.body.on('error', () => undefined);
      return res.statusCode;
    };
    try {
      const flood: number[] = [];
      for (let i = 0; i < 10; i++)
        flood.push(await open(`/sales/${saleId}/events`, { 'x-forwarded-for': `198.51.100.${i}` }));
      // Of 10 slots, a page's stock is guaranteed 1 and may borrow the 2 nobody has a claim on.
      expect(flood).toEqual([200, 200, 200, 503, 503, 503, 503, 503, 503, 503]);
      expect(
        await open(`/sales/${saleId}/queue/events`, { authorization: `Bearer ${buyer}` }),
      ).toBe(200);
      expect(
        await open(`/admin/sales/${saleId}/events`, { authorization: `Bearer ${e2e.admin}` }),
      ).toBe(200);
    } finally {
      await Promise.all(opened.map((p) => p.destroy().catch(() => undefined)));
    }
  });
});
