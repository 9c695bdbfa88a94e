import { randomUUID } from 'node:crypto';
import { JobSeal } from './job-seal';
import { ledgerDisagreement } from './job-vetting';
import { AcceptedOrder, readExpireDueJob, readPersistJob } from './order-job';

function order(over: Partial<AcceptedOrder> = {}): AcceptedOrder {
  return {
    orderId: randomUUID(),
    saleId: randomUUID(),
    buyerId: 'buyer-1',
    quantity: 2,
    createdAtMs: 1_700_000_000_000,
    expiresAtMs: 1_700_000_900_000,
    status: 'pending_payment',
    ...over,
  };
}

const holdOf = (o: AcceptedOrder) => ({
  orderId: o.orderId,
  saleId: o.saleId,
  buyerId: o.buyerId,
  quantity: o.quantity,
  createdAt: new Date(o.createdAtMs),
  expiresAt: new Date(o.expiresAtMs),
});

describe('the job seal', () => {
  const seal = new JobSeal('a-secret-of-at-least-thirty-two-characters');
  const orders = [order(), order({ status: 'paid', seq: 3, idempotencyKey: 'k 1' })];

  it('holds for the orders it sealed, after a trip through JSON', () => {
    const data = JSON.parse(JSON.stringify({ orders, seal: seal.seal(orders) })) as {
      orders: unknown;
      seal: unknown;
    };
    expect(seal.holds(data.orders, data.seal)).toBe(true);
  });

  it('breaks when any field changes, under another secret, or when missing', () => {
    const sealed = seal.seal(orders);
    expect(seal.holds([{ ...orders[0], quantity: 5 }, orders[1]], sealed)).toBe(false);
    expect(seal.holds([orders[0]], sealed)).toBe(false);
    expect(new JobSeal('another-secret-of-at-least-thirty-two-chars').holds(orders, sealed)).toBe(
      false,
    );
    for (const forged of [undefined, '', 'x', 42, `${sealed}A`, sealed.replace(/./, '_')])
      expect(seal.holds(orders, forged)).toBe(false);
  });
});

describe('reading a persist-orders job', () => {
  it('takes well-formed orders and their seal', () => {
    const orders = [order({ fcodeHash: 'a'.repeat(64), acceptanceSeq: 1, seq: 1 })];
    expect(readPersistJob({ orders, seal: 's' })).toEqual({
      ok: true,
      data: { orders, seal: 's' },
    });
  });

  it.each([
    ['no data', undefined],
    ['no orders', { seal: 's' }],
    ['empty', { orders: [], seal: 's' }],
    ['an extra field', { orders: [order()], seal: 's', attempts: 1 }],
    ['unsealed', { orders: [order()] }],
    ['a bad sale id', { orders: [order({ saleId: 'x' })], seal: 's' }],
    ['a bad order id', { orders: [order({ orderId: '../1' })], seal: 's' }],
    ['a bad buyer', { orders: [order({ buyerId: 'a|b' })], seal: 's' }],
    ['no quantity', { orders: [order({ quantity: 0 })], seal: 's' }],
    ['a fractional quantity', { orders: [order({ quantity: 1.5 })], seal: 's' }],
    ['a string quantity', { orders: [{ ...order(), quantity: '5' }], seal: 's' }],
    ['an unknown status', { orders: [{ ...order(), status: 'shipped' }], seal: 's' }],
    ['a bad F-code', { orders: [order({ fcodeHash: 'zz' })], seal: 's' }],
    ['an unknown order field', { orders: [{ ...order(), unitPrice: 1 }], seal: 's' }],
    ['a bad key', { orders: [order({ idempotencyKey: 'a\nb' })], seal: 's' }],
    ['negative times', { orders: [order({ createdAtMs: -1 })], seal: 's' }],
  ])('refuses %s', (_what, data) => {
    expect(readPersistJob(data).ok).toBe(false);
  });

  it('reads an expire-due job only with a sale id', () => {
    const saleId = randomUUID();
    expect(readExpireDueJob({ saleId })).toEqual({ ok: true, data: { saleId } });
    for (const bad of [undefined, {}, { saleId: 'x' }, { saleId, more: 1 }])
      expect(readExpireDueJob(bad).ok).toBe(false);
  });
});

describe("an order against its sale's record", () => {
  it('agrees with the hold it was accepted as, and with its recorded closing', () => {
    const o = order();
    expect(ledgerDisagreement(o, { hold: holdOf(o), closed: null })).toBeNull();
    expect(
      ledgerDisagreement({ ...o, status: 'paid' }, { hold: holdOf(o), closed: 'paid' }),
    ).toBeNull();
    // An acceptance relayed after its closing still agrees.
    expect(ledgerDisagreement(o, { hold: holdOf(o), closed: 'cancelled' })).toBeNull();
  });

  it('lets through what Redis no longer has: the sealed job is its only record', () => {
    expect(ledgerDisagreement(order({ status: 'paid' }), { hold: null, closed: null })).toBeNull();
    expect(ledgerDisagreement(order(), undefined)).toBeNull();
  });

  it('lets every entry of an order Postgres rejected through, so a late payment is refunded', () => {
    const o = order({ status: 'paid' });
    expect(ledgerDisagreement(o, { hold: holdOf(o), closed: 'rejected' })).toBeNull();
  });

  it.each([
    ['another buyer', { buyerId: 'thief' }],
    ['more units', { quantity: 5 }],
    ['another acceptance time', { createdAtMs: 1 }],
    ['another deadline', { expiresAtMs: 9_999_999_999_999 }],
    ['an F-code it did not redeem', { fcodeHash: 'b'.repeat(64) }],
  ])('refuses %s than the hold', (_what, over) => {
    const o = order();
    expect(ledgerDisagreement({ ...o, ...over }, { hold: holdOf(o), closed: null })).toMatch(/./);
  });

  it('refuses a closing the sale did not record', () => {
    const o = order();
    expect(ledgerDisagreement({ ...o, status: 'paid' }, { hold: holdOf(o), closed: null })).toMatch(
      /pending, not paid/,
    );
    expect(
      ledgerDisagreement({ ...o, status: 'paid' }, { hold: holdOf(o), closed: 'expired' }),
    ).toMatch(/recorded it expired/);
    expect(
      ledgerDisagreement({ ...o, status: 'cancelled' }, { hold: null, closed: 'paid' }),
    ).toMatch(/recorded it paid/);
  });
});
