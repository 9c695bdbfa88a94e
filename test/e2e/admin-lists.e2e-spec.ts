import { call, createSale, devToken, expectErrorShape, until } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';

/** The operator's lists over HTTP: sales and a sale's orders, a page at a time. */
describe('admin lists over HTTP', () => {
  let e2e: E2E;

  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(() => stopE2E(e2e));

  const get = (path: string, token = e2e.admin) => call(e2e.stack.http, 'GET', path, { token });

  /** Every page of a list, following nextCursor; returns the ids in order. */
  async function walk(path: string, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const sep = path.includes('?') ? '&' : '?';
      const answer = await get(
        `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body).sort()).toEqual(['items', 'nextCursor']);
      expect(answer.body.items.length).toBeLessThanOrEqual(limit);
      const items = answer.body.items as { id: string }[];
      ids.push(...items.map((item) => item.id));
      cursor = answer.body.nextCursor;
      if (cursor === null) return ids;
    }
    throw new Error('the list never ended');
  }

  it('lists sales by start, latest first, every sale once across the pages', async () => {
    const base = Date.now() + 3_600_000;
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      // Two share a start: the id breaks the tie, and neither is skipped or repeated.
      const startsAt = new Date(base + (i === 4 ? 3 : i) * 60_000).toISOString();
      created.push(await createSale(e2e.stack.http, e2e.admin, { startsAt, name: `list-${i}` }));
    }
    const listed = await walk('/admin/sales', 2);
    expect(new Set(listed).size).toBe(listed.length);
    const mine = listed.filter((id) => created.includes(id));
    expect(mine).toHaveLength(5);
    // Latest start first: sale 3 and sale 4 (same start) before 2, 1, 0.
    expect(mine.slice(2)).toEqual([created[2], created[1], created[0]]);
    const first = await get('/admin/sales?limit=1');
    expect(first.body.items[0]).toMatchObject({ id: expect.any(String), shards: 1 });
    // Buyers pick from the same list, with no token, a page at a time.
    expect(await walk('/sales', 3)).toEqual(listed);
    expectErrorShape(await call(e2e.stack.http, 'GET', '/sales?limit=0'), 400, 'INVALID_REQUEST');
    expectErrorShape(
      await call(e2e.stack.http, 'GET', '/sales?cursor=%27%3B--'),
      400,
      'INVALID_REQUEST',
    );
  });

  it("lists a sale's orders newest first, by status, every order once", async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 20 });
    const bought: string[] = [];
    for (let i = 0; i < 7; i++) {
      const answer = await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, {
        token: await devToken(e2e.stack.http, `lister-${i}`),
      });
      expect(answer.status).toBe(202);
      bought.push(answer.body.orderId);
    }
    const paid = await call(e2e.stack.http, 'POST', `/orders/${bought[3]}/pay`, {
      token: await devToken(e2e.stack.http, 'lister-3'),
    });
    expect(paid.body.status).toBe('paid');
    await until(async () => {
      const answer = await get(`/admin/sales/${saleId}/orders?status=paid`);
      return answer.body.items?.length === 1;
    });
    expect(await walk(`/admin/sales/${saleId}/orders`, 3)).toEqual([...bought].reverse());
    const onlyPaid = await get(`/admin/sales/${saleId}/orders?status=paid`);
    expect(onlyPaid.body).toEqual({
      items: [expect.objectContaining({ id: bought[3], status: 'paid', buyerId: 'lister-3' })],
      nextCursor: null,
    });
    const none = await get(`/admin/sales/${saleId}/orders?status=rejected`);
    expect(none.body).toEqual({ items: [], nextCursor: null });
  });

  it('answers bad and hostile input with the error shape, and buyers with 403', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin);
    const bad = [
      '/admin/sales?limit=0',
      '/admin/sales?limit=201',
      '/admin/sales?limit=ten',
      '/admin/sales?limit=1&limit=2',
      '/admin/sales?cursor=%27%3B%20drop%20table%20sales',
      `/admin/sales?cursor=${'QUFB'.repeat(100)}`,
      '/admin/sales?sort=name',
      `/admin/sales/${saleId}/orders?status=shipped`,
      `/admin/sales/${saleId}/orders?cursor=bm90LWFuLWlk`,
      '/admin/sales/not-a-uuid/orders',
    ];
    for (const path of bad) expectErrorShape(await get(path), 400, 'INVALID_REQUEST');
    expectErrorShape(
      await get('/admin/sales/6c54b666-2789-4ec0-8a45-3f2aa5fbef5f/orders'),
      404,
      'NOT_FOUND',
    );
    const buyer = await devToken(e2e.stack.http, 'curious');
    expectErrorShape(await get('/admin/sales', buyer), 403, 'FORBIDDEN');
    expectErrorShape(await get(`/admin/sales/${saleId}/orders`, buyer), 403, 'FORBIDDEN');
    expectErrorShape(await call(e2e.stack.http, 'GET', '/admin/sales'), 401, 'UNAUTHORIZED');
  });
});
