import { readEvents, ServerSentEvent } from '../../loadtest/driver/server-sent-events';
import { call, createSale, devToken, expectErrorShape, until } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';

/** An open event stream, read in the background. */
interface Followed {
  status: number;
  events: ServerSentEvent[];
  /** Resolves when the server closed the stream. */
  ended: Promise<boolean>;
  close(): void;
  waitFor(check: (e: ServerSentEvent) => boolean): Promise<ServerSentEvent>;
}

/** The live pushes over HTTP: a real API and worker, the worker's pulse every 200 ms. */
describe('live streams', () => {
  let e2e: E2E;

  beforeAll(async () => {
    e2e = await startE2E({
      LIVE_PULSE_MS: '200',
      SSE_STREAMS_PER_BUYER: '2',
      SSE_STREAMS_PER_ADDRESS: '2',
    });
  });
  afterAll(() => stopE2E(e2e));

  async function follow(path: string, token?: string): Promise<Followed> {
    const res = await e2e.stack.http.request({
      method: 'GET',
      path,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const events: ServerSentEvent[] = [];
    // A refusal's body is read whole before it is handed back, so closing it later aborts
    // nothing (a refusal now comes before any Redis read, as fast as the headers).
    if (res.statusCode !== 200) await res.body.text().catch(() => '');
    const ended =
      res.statusCode === 200
        ? readEvents(res.body, (e) => (events.push(e), false)).catch(() => false)
        : Promise.resolve(false);
    return {
      status: res.statusCode,
      events,
      ended,
      close: () => res.body.destroy(),
      async waitFor(check) {
        await until(() => Promise.resolve(events.some(check)), 15_000);
        return events.find(check)!;
      },
    };
  }

  const buy = async (saleId: string, buyer: string) =>
    call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, {
      token: await devToken(e2e.stack.http, buyer),
      body: { quantity: 1 },
    });

  it("streams a sale's stock draining to sold out, and the operator's counters with attempts per second", async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 4 });
    const stock = await follow(`/sales/${saleId}/events`);
    const counters = await follow(`/admin/sales/${saleId}/events`, e2e.admin);
    expect([stock.status, counters.status]).toEqual([200, 200]);

    const sale = await stock.waitFor((e) => e.type === 'sale');
    expect(sale.data).toMatchObject({ id: saleId, remaining: 4, status: 'live' });
    const serverTime = Date.parse((sale.data as { serverTime: string }).serverTime);
    expect(Math.abs(serverTime - Date.now())).toBeLessThan(60_000);
    await counters.waitFor((e) => e.type === 'stats');

    for (let i = 0; i < 6; i++) await buy(saleId, `live-${i}`); // 4 accepted, 2 refused
    await stock.waitFor(
      (e) => e.type === 'stock' && (e.data as { status: string }).status === 'sold_out',
    );
    const remaining = stock.events
      .filter((e) => e.type === 'stock')
      .map((e) => (e.data as { remaining: number }).remaining);
    // Never up, ending at 0.
    expect(remaining).toEqual([...remaining].sort((a, b) => b - a));
    expect(remaining.at(-1)).toBe(0);

    // Every attempt is counted once across the pulses, accepted and refused apart.
    await until(async () => {
      const seen = counters.events
        .filter((e) => e.type === 'counters')
        .map((e) => (e.data as { attempts: { accepted: number; refused: number } }).attempts);
      return Promise.resolve(
        seen.reduce((n, a) => n + a.accepted, 0) === 4 &&
          seen.reduce((n, a) => n + a.refused, 0) === 2,
      );
    }, 15_000);
    const last = await counters.waitFor(
      (e) =>
        e.type === 'counters' &&
        (e.data as { remaining: number; pipelineLag: number }).remaining === 0 &&
        (e.data as { pipelineLag: number }).pipelineLag === 0,
    );
    expect(last.data).toMatchObject({ saleId, stock: 4, remaining: 0, held: 4, orders: 4 });
    stock.close();
    counters.close();
  });

  it("streams an order's status until it is paid, then closes", async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 2 });
    const bought = await buy(saleId, 'payer');
    const orderId = bought.body.orderId as string;
    const token = await devToken(e2e.stack.http, 'payer');
    const order = await follow(`/orders/${orderId}/events`, token);
    expect(order.status).toBe(200);
    await order.waitFor(
      (e) => e.type === 'order' && (e.data as { status: string }).status === 'pending_payment',
    );
    const paid = await call(e2e.stack.http, 'POST', `/orders/${orderId}/pay`, { token });
    expect(paid.status).toBe(200);
    expect(await order.ended).toBe(false);
    expect(order.events.at(-1)).toEqual({ type: 'order', data: { orderId, status: 'paid' } });

    // A closed order: the whole order, and the stream ends at once.
    const again = await follow(`/orders/${orderId}/events`, token);
    await again.ended;
    expect(again.events).toEqual([
      { type: 'order', data: expect.objectContaining({ id: orderId, status: 'paid' }) },
    ]);
  });

  it('refuses bad ids, strangers and non-admins with the error shape', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 1 });
    const bought = await buy(saleId, 'owner');
    const stranger = await devToken(e2e.stack.http, 'stranger');
    const cases: [string, string | undefined, number, string][] = [
      ['/sales/not-a-uuid/events', undefined, 400, 'INVALID_REQUEST'],
      ['/sales/00000000-0000-4000-8000-000000000000/events', undefined, 404, 'NOT_FOUND'],
      [`/orders/${bought.body.orderId as string}/events`, stranger, 403, 'FORBIDDEN'],
      [`/orders/${bought.body.orderId as string}/events`, undefined, 401, 'UNAUTHORIZED'],
      ['/orders/00000000-0000-4000-8000-000000000000/events', stranger, 404, 'NOT_FOUND'],
      [`/admin/sales/${saleId}/events`, stranger, 403, 'FORBIDDEN'],
    ];
    for (const [path, token, status, code] of cases) {
      expectErrorShape(await call(e2e.stack.http, 'GET', path, { token }), status, code);
    }
  });

  it('holds an address to SSE_STREAMS_PER_ADDRESS anonymous streams, and gives slots back on disconnect', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 3 });
    const a = await follow(`/sales/${saleId}/events`);
    const b = await follow(`/sales/${saleId}/events`);
    const c = await follow(`/sales/${saleId}/events`);
    expect([a.status, b.status, c.status]).toEqual([200, 200, 429]);
    a.close();
    await until(async () => {
      const d = await follow(`/sales/${saleId}/events`);
      d.close();
      return d.status === 200;
    });
    b.close();
  });
});
