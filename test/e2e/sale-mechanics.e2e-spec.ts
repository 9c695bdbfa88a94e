import type { SaleStats } from '@flash/orders';
import { TEST_SECRETS } from '@flash/config';
import { signAdmission } from '@flash/waiting-room';
import { Answer, call, createSale, devToken, expectErrorShape, until } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';
import { API_MAIN, freePort, startProcess, stopProcess } from '../support/stack';
import { waitHealthy } from '../../loadtest/bench/processes';
import { Pool } from 'undici';
import { readEvents } from '../../loadtest/driver/server-sent-events';

const FCODE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

/**
 * Xiaomi's flow over HTTP, with the real API and worker: appointments, F-codes in the
 * priority window, the waiting room (pre-queue, shuffle, admission, tokens, SSE), the
 * purchase and the payment; then the invariants, from the API and from Postgres.
 */
describe('sale mechanics over HTTP', () => {
  let e2e: E2E;
  const tokens = new Map<string, string>();
  const token = async (buyer: string) => {
    if (!tokens.has(buyer)) tokens.set(buyer, await devToken(e2e.stack.http, buyer));
    return tokens.get(buyer)!;
  };
  const as = async (
    buyer: string,
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> =>
    call(e2e.stack.http, method, path, { token: await token(buyer), ...options });

  beforeAll(async () => {
    e2e = await startE2E({ ADMISSION_TICK_MS: '50', RATE_LIMIT_PER_BUYER: '1000' });
  });
  afterAll(() => stopE2E(e2e));

  const stats = async (saleId: string) =>
    (
      await call<SaleStats>(e2e.stack.http, 'GET', `/admin/sales/${saleId}/stats`, {
        token: e2e.admin,
      })
    ).body;

  /** Reads server-sent events until `done` says so; returns every event seen. */
  async function followUntil(
    buyer: string,
    saleId: string,
    done: (event: { type: string; data: any }) => boolean,
  ): Promise<{ type: string; data: any }[]> {
    const res = await e2e.stack.http.request({
      method: 'GET',
      path: `/sales/${saleId}/queue/events`,
      headers: { authorization: `Bearer ${await token(buyer)}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const events: { type: string; data: any }[] = [];
    await readEvents(res.body, (event) => {
      events.push(event);
      return done(event);
    });
    res.body.destroy();
    return events;
  }

  let runs = 0;
  // 3 shards: the codes and the queue live outside the buyers' home shards (ShardGates).
  it.each([1, 3])(
    'register, F-code priority, queue, admission, purchase, pay: every gate and every invariant (%i shard(s))',
    async (shards) => {
      runs++;
      const now = Date.now();
      const startsAt = new Date(now + 4000).toISOString();
      const created = await call(e2e.stack.http, 'POST', '/admin/sales', {
        token: e2e.admin,
        body: {
          name: 'Mi 2 batch',
          sku: 'MI2',
          price: 199_900,
          stock: 5,
          startsAt,
          appointments: { opensAt: new Date(now - 1000).toISOString() },
          fcodes: { priorityStartsAt: new Date(now - 1000).toISOString() },
          waitingRoom: { admissionRate: 4, admissionTtlSeconds: 30 },
          shards,
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        appointments: { closesAt: startsAt },
        waitingRoom: { admissionRate: 4, admissionTtlSeconds: 30 },
      });
      const saleId = created.body.id as string;
      const view = await call(e2e.stack.http, 'GET', `/sales/${saleId}`);
      expect(view.body).toMatchObject({ status: 'upcoming', fcodes: expect.any(Object) });

      // F-codes: issued once, stored hashed, downloadable as CSV.
      const issued = await call(e2e.stack.http, 'POST', `/admin/sales/${saleId}/fcodes`, {
        token: e2e.admin,
        body: { count: 3 },
      });
      expect(issued.status).toBe(201);
      expect(issued.body.codes).toHaveLength(3);
      for (const code of issued.body.codes) expect(code).toMatch(FCODE);
      const csv = await call(e2e.stack.http, 'POST', `/admin/sales/${saleId}/fcodes?format=csv`, {
        token: e2e.admin,
        body: { count: 2 },
      });
      expect(csv.status).toBe(201);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(String(csv.body).trim().split('\n')).toHaveLength(3);
      const stored = await e2e.sql.query(`SELECT code_hash FROM fcodes WHERE sale_id = $1`, [
        saleId,
      ]);
      expect(stored.rowCount).toBe(5);
      const plain = issued.body.codes[0] as string;
      expect(stored.rows.some((r: { code_hash: string }) => r.code_hash.includes(plain))).toBe(
        false,
      );

      // Priority window: the F-code holder buys before the opening, no appointment, no queue.
      const fan = await as('fan', 'POST', `/sales/${saleId}/purchase`, { body: { fcode: plain } });
      expect(fan.status).toBe(202);
      expectErrorShape(
        await as('copycat', 'POST', `/sales/${saleId}/purchase`, { body: { fcode: plain } }),
        409,
        'FCODE_INVALID',
      );
      expectErrorShape(
        await as('guess', 'POST', `/sales/${saleId}/purchase`, {
          body: { fcode: 'AAAA-BBBB-CCCC-DDDD' },
        }),
        409,
        'FCODE_INVALID',
      );
      expectErrorShape(
        await as('guess', 'POST', `/sales/${saleId}/purchase`, { body: { fcode: 'not a code' } }),
        400,
        'INVALID_REQUEST',
      );
      expectErrorShape(await as('early', 'POST', `/sales/${saleId}/purchase`), 409, 'NOT_STARTED');

      // Appointments: eight buyers register (idempotently); one does not.
      const buyers = Array.from({ length: 8 }, (_, i) => `reg-${i}`);
      for (const buyer of buyers) {
        const first = await as(buyer, 'POST', `/sales/${saleId}/registration`);
        expect(first.status).toBe(201);
        const again = await as(buyer, 'POST', `/sales/${saleId}/registration`);
        expect(again.status).toBe(200);
        expect(again.body.registeredAt).toBe(first.body.registeredAt);
      }
      expect((await as('reg-0', 'GET', `/sales/${saleId}/registration`)).body).toMatchObject({
        saleId,
        buyerId: 'reg-0',
      });
      expectErrorShape(
        await as('walk-in', 'GET', `/sales/${saleId}/registration`),
        404,
        'NOT_FOUND',
      );
      expect((await stats(saleId)).registrations).toBe(8);
      const persisted = await e2e.sql.query(
        `SELECT count(*)::int AS n FROM registrations WHERE sale_id = $1`,
        [saleId],
      );
      expect(persisted.rows[0].n).toBe(8);

      // Waiting room: registered buyers join the pre-queue; a stranger may not.
      expectErrorShape(
        await as('walk-in', 'POST', `/sales/${saleId}/queue`),
        403,
        'NOT_REGISTERED',
      );
      for (const buyer of buyers) {
        const joined = await as(buyer, 'POST', `/sales/${saleId}/queue`);
        expect(joined.status).toBe(201);
        expect(joined.body).toMatchObject({ status: 'pre_queue', ticket: null, position: null });
      }
      expect((await as('reg-0', 'POST', `/sales/${saleId}/queue`)).status).toBe(200);

      // The opening: the SSE follower sees its ticket placed and, at its turn, the token.
      const followed = followUntil('reg-7', saleId, (event) =>
        ['admitted', 'sold_out'].includes(event.data.status),
      );
      await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(startsAt) - Date.now() + 50)));
      expectErrorShape(
        await as('walk-in', 'POST', `/sales/${saleId}/purchase`),
        403,
        'NOT_REGISTERED',
      );
      expectErrorShape(
        await as('reg-0', 'POST', `/sales/${saleId}/purchase`),
        403,
        'ADMISSION_REQUIRED',
      );

      // Everyone polls until admitted (4 per second) or closed by the sell-out.
      const admitted = new Map<string, string>();
      const outcomes = new Map<string, number>();
      await until(async () => {
        for (const buyer of buyers) {
          if (outcomes.has(buyer)) continue;
          const ticket = await as(buyer, 'GET', `/sales/${saleId}/queue`);
          expect(ticket.status).toBe(200);
          if (ticket.body.status === 'sold_out') outcomes.set(buyer, 409);
          if (ticket.body.status !== 'admitted') continue;
          expect(ticket.body.admissionToken).toEqual(expect.any(String));
          admitted.set(buyer, ticket.body.admissionToken);
          const bought = await as(buyer, 'POST', `/sales/${saleId}/purchase`, {
            headers: { 'admission-token': ticket.body.admissionToken },
          });
          outcomes.set(buyer, bought.status);
          if (bought.status === 202) {
            const paid = await as(buyer, 'POST', `/orders/${bought.body.orderId}/pay`);
            expect(paid.body.status).toBe('paid');
          } else expectErrorShape(bought, 409, 'SOLD_OUT');
        }
        return outcomes.size === buyers.length;
      }, 20_000);
      const events = await followed;
      expect(events[0]).toMatchObject({ type: 'ticket', data: { status: 'pre_queue' } });
      expect(['admitted', 'sold_out']).toContain(events[events.length - 1].data.status);
      if (events[events.length - 1].data.status === 'admitted') {
        expect(events[events.length - 1].data.admissionToken).toEqual(expect.any(String));
      }
      // Stock 5: the F-code holder and four buyers from the queue.
      expect([...outcomes.values()].filter((s) => s === 202)).toHaveLength(4);

      // Tokens: replayed, someone else's, forged and expired are all refused.
      const [holder, holderToken] = [...admitted.entries()].find(([b]) => outcomes.get(b) === 202)!;
      // (A fresh Idempotency-Key takes the replay past the in-memory sold-out answer to Redis.)
      const replayed = await as(holder, 'POST', `/sales/${saleId}/purchase`, {
        headers: { 'admission-token': holderToken, 'idempotency-key': 'second-try' },
      });
      expectErrorShape(replayed, 403, 'ADMISSION_INVALID');
      expect(replayed.body.error.message).toContain('already bought');
      const other = buyers.find((b) => b !== holder)!;
      const stolen = await as(other, 'POST', `/sales/${saleId}/purchase`, {
        headers: { 'admission-token': holderToken },
      });
      expectErrorShape(stolen, 403, 'ADMISSION_INVALID');
      expect(stolen.body.error.message).toContain('another buyer');
      const forged = holderToken.slice(0, -4) + (holderToken.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      expectErrorShape(
        await as(other, 'POST', `/sales/${saleId}/purchase`, {
          headers: { 'admission-token': forged },
        }),
        403,
        'ADMISSION_INVALID',
      );
      const expired = signAdmission(
        { s: saleId, b: other, t: 1, e: Date.now() - 1000 },
        TEST_SECRETS.ADMISSION_TOKEN_SECRET,
      );
      const late = await as(other, 'POST', `/sales/${saleId}/purchase`, {
        headers: { 'admission-token': expired },
      });
      expectErrorShape(late, 403, 'ADMISSION_INVALID');
      expect(late.body.error.message).toContain('expired');
      // Signed with the real secret, for a ticket that is someone else's: the script checks the
      // admission itself, so even a leaked secret buys nothing without a real admission.
      const holderTicket = JSON.parse(
        Buffer.from(holderToken.split('.')[1], 'base64url').toString('utf8'),
      ) as { t: number };
      const unlucky = buyers.find((b) => outcomes.get(b) !== 202)!;
      const minted = signAdmission(
        { s: saleId, b: unlucky, t: holderTicket.t, e: Date.now() + 60_000 },
        TEST_SECRETS.ADMISSION_TOKEN_SECRET,
      );
      const sneak = await as(unlucky, 'POST', `/sales/${saleId}/purchase`, {
        headers: { 'admission-token': minted, 'idempotency-key': 'minted' },
      });
      expectErrorShape(sneak, 403, 'ADMISSION_INVALID');
      expect(sneak.body.error.message).toContain('no such admission');

      // Sold out: the queue is closed to newcomers.
      await as('newcomer', 'POST', `/sales/${saleId}/registration`).then((r) =>
        expectErrorShape(r, 409, 'REGISTRATION_CLOSED'),
      );

      // Invariants, once the pipeline has drained.
      await until(async () => (await stats(saleId)).pipelineLag === 0, 20_000);
      const final = await stats(saleId);
      expect(final.remaining + final.held + final.paid).toBe(final.stock);
      expect(final.remaining).toBe(0);
      expect(final.fcodes).toEqual({ issued: 5, redeemed: 1 });
      expect(final.queue).toMatchObject({ joined: 8 });
      await until(async () => (await stats(saleId)).unitsPersisted === 5, 20_000);
      const rows = await e2e.sql.query(
        `SELECT buyer_id, sum(quantity)::int AS units, count(fcode_hash)::int AS fcodes
       FROM orders WHERE sale_id = $1 AND status IN ('pending_payment', 'paid') GROUP BY buyer_id`,
        [saleId],
      );
      expect(rows.rows.every((r: { units: number }) => r.units <= 1)).toBe(true);
      expect(rows.rows.reduce((n: number, r: { fcodes: number }) => n + r.fcodes, 0)).toBe(1);
      const fanRow = await e2e.sql.query(`SELECT fcode_hash FROM orders WHERE id = $1`, [
        fan.body.orderId,
      ]);
      expect(fanRow.rows[0].fcode_hash).toMatch(/^[0-9a-f]{64}$/);

      // What operators see: the outcomes on the API, the admissions on the worker.
      const metrics = String((await call(e2e.stack.http, 'GET', '/metrics')).body);
      expect(metrics).toContain(
        `flash_sale_mechanics_requests_total{action="register",outcome="registered"} ${16 * runs}`,
      );
      expect(metrics).toContain(
        `flash_sale_mechanics_requests_total{action="join",outcome="not_registered"} ${runs}`,
      );
      expect(metrics).toMatch(/flash_queue_followers \d+/);
      const worker = await fetch(e2e.stack.workerMetricsUrl).then((r) => r.text());
      expect(Number(/flash_queue_admitted_total (\d+)/.exec(worker)?.[1])).toBeGreaterThanOrEqual(
        4 * runs,
      );
    },
  );

  it('sales without the mechanisms refuse their routes, and bad input changes nothing', async () => {
    const plain = await createSale(e2e.stack.http, e2e.admin);
    expectErrorShape(await as('x', 'POST', `/sales/${plain}/registration`), 409, 'NOT_ENABLED');
    expectErrorShape(await as('x', 'POST', `/sales/${plain}/queue`), 409, 'NOT_ENABLED');
    expectErrorShape(await as('x', 'GET', `/sales/${plain}/queue`), 409, 'NOT_ENABLED');
    expectErrorShape(
      await call(e2e.stack.http, 'POST', `/admin/sales/${plain}/fcodes`, {
        token: e2e.admin,
        body: { count: 1 },
      }),
      409,
      'NOT_ENABLED',
    );
    // A plain sale's answers carry no mechanism fields: the contract's shape, plus the clock
    // the live pages count down by.
    const view = await call(e2e.stack.http, 'GET', `/sales/${plain}`);
    expect(Object.keys(view.body).sort()).toEqual(
      [
        'endsAt',
        'id',
        'name',
        'perUserLimit',
        'price',
        'remaining',
        'serverTime',
        'startsAt',
        'status',
        'stock',
      ].sort(),
    );

    const start = new Date(Date.now() + 60_000).toISOString();
    const bad: [string, Record<string, unknown>][] = [
      [
        'closes after start',
        {
          appointments: {
            opensAt: new Date().toISOString(),
            closesAt: new Date(Date.now() + 120_000).toISOString(),
          },
        },
      ],
      [
        'closes before opening',
        { appointments: { opensAt: start, closesAt: new Date().toISOString() } },
      ],
      [
        'priority after start',
        { fcodes: { priorityStartsAt: new Date(Date.now() + 120_000).toISOString() } },
      ],
      ['rate zero', { waitingRoom: { admissionRate: 0 } }],
      ['ttl too short', { waitingRoom: { admissionRate: 5, admissionTtlSeconds: 1 } }],
      ['unknown field', { waitingRoom: { admissionRate: 5, lottery: true } }],
      ['bad date', { fcodes: { priorityStartsAt: 'tomorrow' } }],
    ];
    const before = await e2e.sql.query(`SELECT count(*)::int AS n FROM sales`);
    for (const [, fields] of bad) {
      const answer = await call(e2e.stack.http, 'POST', '/admin/sales', {
        token: e2e.admin,
        body: { name: 'x', sku: 'x', price: 1, stock: 1, startsAt: start, ...fields },
      });
      expectErrorShape(answer, 400, 'INVALID_REQUEST');
    }
    expect((await e2e.sql.query(`SELECT count(*)::int AS n FROM sales`)).rows[0].n).toBe(
      before.rows[0].n,
    );

    const fcodeSale = await createSale(e2e.stack.http, e2e.admin, {
      fcodes: { priorityStartsAt: new Date(Date.now() - 5000).toISOString() },
    });
    for (const body of [
      { count: 0 },
      { count: 100_001 },
      { count: '3' },
      {},
      { count: 1, extra: 1 },
    ]) {
      expectErrorShape(
        await call(e2e.stack.http, 'POST', `/admin/sales/${fcodeSale}/fcodes`, {
          token: e2e.admin,
          body,
        }),
        400,
        'INVALID_REQUEST',
      );
    }
    expectErrorShape(
      await call(e2e.stack.http, 'POST', `/admin/sales/${fcodeSale}/fcodes?format=xml`, {
        token: e2e.admin,
        body: { count: 1 },
      }),
      400,
      'INVALID_REQUEST',
    );
    expectErrorShape(
      await as('buyer', 'POST', `/admin/sales/${fcodeSale}/fcodes`, { body: { count: 1 } }),
      403,
      'FORBIDDEN',
    );
    expect((await stats(fcodeSale)).fcodes).toEqual({ issued: 0, redeemed: 0 });
    expectErrorShape(
      await as('x', 'POST', `/sales/${plain}/registration`, { body: { please: true } }),
      400,
      'INVALID_REQUEST',
    );
    expectErrorShape(
      await as('x', 'POST', `/sales/${plain}/purchase`, { headers: { 'admission-token': 'junk' } }),
      403,
      'ADMISSION_INVALID',
    );
    expectErrorShape(await as('x', 'GET', `/sales/not-a-uuid/queue`), 400, 'INVALID_REQUEST');
    expectErrorShape(
      await as('x', 'POST', `/sales/00000000-0000-4000-8000-000000000000/queue`),
      404,
      'NOT_FOUND',
    );
    expect((await stats(plain)).remaining).toBe(10);
  });
});

/** Abuse limits with their own API: small limits, counted in Redis. */
async function followedSales(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(/^flash_sales_followed (\d+)$/m.exec(text)?.[1] ?? -1);
}

describe('rate limits over HTTP', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E(
      { RATE_LIMIT_PER_BUYER: '10', RATE_LIMIT_PER_IP: '200', RATE_LIMIT_WINDOW_MS: '60000' },
      { worker: false },
    );
  });
  afterAll(() => stopE2E(e2e));

  it('a single buyer flooding the purchase gets 429 RATE_LIMITED with Retry-After; others are not hurt', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 100 });
    const flooder = await devToken(e2e.stack.http, 'flooder');
    const answers = await Promise.all(
      Array.from({ length: 60 }, () =>
        call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, { token: flooder }),
      ),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(50);
    for (const answer of limited) {
      expectErrorShape(answer, 429, 'RATE_LIMITED');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Of the ten let through, one bought (the limit is one unit) and nine hit the limit.
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(9);
    // purchase.lua counts the limit per buyer per sale: the same buyer is free in another sale.
    const elsewhere = await createSale(e2e.stack.http, e2e.admin, { stock: 5 });
    expect(
      (await call(e2e.stack.http, 'POST', `/sales/${elsewhere}/purchase`, { token: flooder }))
        .status,
    ).toBe(202);
    const neighbour = await devToken(e2e.stack.http, 'neighbour');
    expect(
      (await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, { token: neighbour }))
        .status,
    ).toBe(202);
    const stats = await call<SaleStats>(e2e.stack.http, 'GET', `/admin/sales/${saleId}/stats`, {
      token: e2e.admin,
    });
    expect(stats.body.remaining).toBe(98);
    // Operators are not limited per token: a dashboard polls the stats.
    const polls = await Promise.all(
      Array.from({ length: 30 }, () =>
        call(e2e.stack.http, 'GET', `/admin/sales/${saleId}/stats`, { token: e2e.admin }),
      ),
    );
    expect(polls.every((p) => p.status === 200)).toBe(true);
    // Health and metrics are never limited.
    for (let i = 0; i < 30; i++)
      expect((await call(e2e.stack.http, 'GET', '/health')).status).toBe(200);
  });

  /** A second API instance on the same Redis and Postgres, for as long as `use` runs. */
  async function withSecondInstance(
    use: (other: Pool, baseUrl: string) => Promise<void>,
  ): Promise<void> {
    const port = await freePort();
    const second = startProcess(API_MAIN, { ...e2e.stack.env, PORT: String(port) });
    const baseUrl = `http://127.0.0.1:${port}`;
    const other = new Pool(baseUrl, { connections: 32 });
    try {
      await waitHealthy(second, baseUrl);
      await use(other, baseUrl);
    } finally {
      await other.close();
      await stopProcess(second);
    }
  }

  it('shares one count between API instances', async () => {
    await withSecondInstance(async (other) => {
      const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 100 });
      const token = await devToken(e2e.stack.http, 'two-tabs');
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          call(i % 2 ? e2e.stack.http : other, 'GET', `/sales/${saleId}/queue`, { token }),
        ),
      );
      // Ten requests in the window, wherever they land; the rest are refused by both.
      expect(answers.filter((a) => a.status !== 429)).toHaveLength(10);
      for (const a of answers.filter((x) => x.status === 429))
        expectErrorShape(a, 429, 'RATE_LIMITED');
    });
  });

  it('does not count late purchases answered SOLD_OUT from memory (that would cost Redis calls)', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 1 });
    const first = await devToken(e2e.stack.http, 'first');
    expect(
      (await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, { token: first })).status,
    ).toBe(202);
    const late = await devToken(e2e.stack.http, 'late');
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, { token: late }),
      ),
    );
    for (const answer of answers) expectErrorShape(answer, 409, 'SOLD_OUT');
  });

  it('answers SOLD_OUT from memory on an instance that did not create the sale either', async () => {
    await withSecondInstance(async (other, baseUrl) => {
      const before = await followedSales(baseUrl);
      const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 1 });
      // The second instance finds the new sale among the active ones and follows it.
      await until(async () => (await followedSales(baseUrl)) > before, 10_000);
      const first = await devToken(e2e.stack.http, 'first-elsewhere');
      const buy = (pool: Pool, token: string) =>
        call(pool, 'POST', `/sales/${saleId}/purchase`, { token });
      expect((await buy(e2e.stack.http, first)).status).toBe(202);
      const late = await devToken(e2e.stack.http, 'late-elsewhere');
      // One attempt teaches the second instance, if the event has not already.
      expectErrorShape(await buy(other, late), 409, 'SOLD_OUT');
      const answers = await Promise.all(Array.from({ length: 30 }, () => buy(other, late)));
      for (const answer of answers) expectErrorShape(answer, 409, 'SOLD_OUT');
    });
  });

  it('limits one address across buyers, and anonymous requests by address', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin);
    const answers = await Promise.all(
      Array.from({ length: 230 }, () => call(e2e.stack.http, 'GET', `/sales/${saleId}`)),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(200);
    for (const answer of answers.filter((a) => a.status !== 200)) {
      expectErrorShape(answer, 429, 'RATE_LIMITED');
    }
  });
});
