import type { AcceptedOrder } from './order-job';
import { latestPerOrder } from './order-writer';

const entry = (orderId: string, status: AcceptedOrder['status']): AcceptedOrder => ({
  orderId,
  saleId: 's',
  buyerId: 'b',
  quantity: 1,
  createdAtMs: 1,
  expiresAtMs: 2,
  status,
});

describe('latestPerOrder', () => {
  it('sorts by order id, so concurrent batches lock shared rows in one order', () => {
    const result = latestPerOrder([
      entry('f2', 'paid'),
      entry('0a', 'pending_payment'),
      entry('c7', 'expired'),
      entry('0a', 'cancelled'),
    ]);
    expect(result.map((o) => o.orderId)).toEqual(['0a', 'c7', 'f2']);
  });

  it('keeps one entry per order, a closed status over pending, in any order', () => {
    const result = latestPerOrder([
      entry('a', 'pending_payment'),
      entry('b', 'cancelled'),
      entry('a', 'paid'),
      entry('b', 'pending_payment'),
      entry('c', 'pending_payment'),
      entry('c', 'pending_payment'),
    ]);
    expect(result.map((o) => [o.orderId, o.status])).toEqual([
      ['a', 'paid'],
      ['b', 'cancelled'],
      ['c', 'pending_payment'],
    ]);
  });

  it('keeps the acceptance key and number when a transition overtakes it in the batch', () => {
    const [merged] = latestPerOrder([
      { ...entry('a', 'pending_payment'), idempotencyKey: 'k', acceptanceSeq: 4, seq: 4 },
      { ...entry('a', 'paid'), seq: 9 },
    ]);
    expect(merged).toMatchObject({ status: 'paid', idempotencyKey: 'k', acceptanceSeq: 4, seq: 9 });
  });
});
