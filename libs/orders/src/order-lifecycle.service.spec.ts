import { CloseResult, ClosedStatus, InventoryService } from '@flash/inventory';
import { OrderLifecycleService } from './order-lifecycle.service';
import type { OrdersService, OrderView } from './orders.service';

const order: OrderView = {
  id: 'o1',
  saleId: 's1',
  buyerId: 'ann',
  quantity: 1,
  unitPrice: 100,
  status: 'pending_payment',
  createdAt: '2012-05-18T04:00:00.000Z',
  expiresAt: '2012-05-18T04:30:00.000Z',
};

/** The TypeScript half of the state machine: how each script answer becomes an outcome. */
function lifecycle(answer: Partial<CloseResult>, found: OrderView | null = order) {
  const calls: [string, string, ClosedStatus][] = [];
  const inventory = {
    closeOrder: (saleId: string, orderId: string, wanted: ClosedStatus) => {
      calls.push([saleId, orderId, wanted]);
      return Promise.resolve({
        kind: 'closed',
        status: wanted,
        quantity: 1,
        buyerId: 'ann',
        ...answer,
      });
    },
  } as unknown as InventoryService;
  const orders = { find: () => Promise.resolve(found) } as unknown as OrdersService;
  return { service: new OrderLifecycleService(inventory, orders), calls };
}

const ann = { sub: 'ann', role: 'buyer' as const };

describe('OrderLifecycleService', () => {
  it('cancels a pending order', async () => {
    const { service, calls } = lifecycle({});
    expect(await service.cancel('o1', ann)).toEqual({
      kind: 'done',
      order: { ...order, status: 'cancelled' },
      moved: true,
    });
    expect(calls).toEqual([['s1', 'o1', 'cancelled']]);
  });

  it('treats cancelling a cancelled order as closed, but paying a paid one as done', async () => {
    const already = { kind: 'already' as const };
    expect(await lifecycle({ ...already, status: 'cancelled' }).service.cancel('o1', ann)).toEqual({
      kind: 'closed',
      status: 'cancelled',
    });
    expect(
      await lifecycle({ ...already, status: 'paid' }).service.markPaid('o1', null),
    ).toMatchObject({
      kind: 'done',
      moved: false,
      order: { status: 'paid' },
    });
  });

  it.each([
    [
      { kind: 'conflict' as const, status: 'paid' as const },
      { kind: 'closed', status: 'paid' },
    ],
    [
      { kind: 'conflict' as const, status: 'expired' as const },
      { kind: 'closed', status: 'expired' },
    ],
    [
      { kind: 'lapsed' as const, status: 'expired' as const },
      { kind: 'closed', status: 'expired' },
    ],
    [{ kind: 'unknown' as const, status: '' as const }, { kind: 'unavailable' }],
  ])('maps %j to %j', async (answer, outcome) => {
    expect(await lifecycle(answer).service.markPaid('o1', ann)).toEqual(outcome);
  });

  it("refuses another buyer's order and unknown orders without calling Redis", async () => {
    const other = lifecycle({});
    expect(await other.service.cancel('o1', { sub: 'bob', role: 'buyer' })).toEqual({
      kind: 'forbidden',
    });
    expect(other.calls).toEqual([]);
    const admin = lifecycle({});
    expect((await admin.service.cancel('o1', { sub: 'ops', role: 'admin' })).kind).toBe('done');
    const missing = lifecycle({}, null);
    expect(await missing.service.cancel('o1', ann)).toEqual({ kind: 'not_found' });
    expect(missing.calls).toEqual([]);
  });
});
