import { call, createSale, devToken, expectErrorShape } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';

/**
 * Hoarding by churn: buy, cancel, buy again, for ever, keeps units out of everyone's reach
 * and grows the sale's state with every cycle. A buyer may cancel CANCELS_PER_BUYER orders in
 * a sale; after that, their purchases in it answer 409 LIMIT_REACHED saying why.
 */
describe('the cancel budget over HTTP', () => {
  let e2e: E2E;

  beforeAll(async () => {
    e2e = await startE2E({ CANCELS_PER_BUYER: '2' }, { worker: false });
  });
  afterAll(() => stopE2E(e2e));

  it('lets a buyer cancel twice in a sale, then buy no more in it', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 5, perUserLimit: 1 });
    const token = await devToken(e2e.stack.http, 'churner');
    for (let cycle = 0; cycle < 2; cycle++) {
      const bought = await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, {
        token,
        body: {},
      });
      expect(bought.status).toBe(202);
      const cancelled = await call(
        e2e.stack.http,
        'POST',
        `/orders/${bought.body.orderId}/cancel`,
        {
          token,
        },
      );
      expect(cancelled.body.status).toBe('cancelled');
    }
    const refused = await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, {
      token,
      body: {},
    });
    expectErrorShape(refused, 409, 'LIMIT_REACHED');
    expect(refused.body.error.message).toContain('cancelled');
    const stats = await call(e2e.stack.http, 'GET', `/admin/sales/${saleId}/stats`, {
      token: e2e.admin,
    });
    expect(stats.body).toMatchObject({ remaining: 5, held: 0, paid: 0 });

    // An operator's cancel of another buyer's order spends that buyer nothing.
    const other = await devToken(e2e.stack.http, 'patient');
    for (let cycle = 0; cycle < 3; cycle++) {
      const bought = await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, {
        token: other,
        body: {},
      });
      expect(bought.status).toBe(202);
      await call(e2e.stack.http, 'POST', `/orders/${bought.body.orderId}/cancel`, {
        token: e2e.admin,
      });
    }
  });
});
