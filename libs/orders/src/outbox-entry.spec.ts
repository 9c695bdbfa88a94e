import { decodeOutboxEntry } from './outbox-entry';

describe('decodeOutboxEntry', () => {
  const base = [
    'order',
    'o-1',
    'buyer',
    'alice',
    'quantity',
    '2',
    'at',
    '1000',
    'expires',
    '61000',
  ];

  it('decodes what purchase.lua writes', () => {
    const fields = [
      ...base,
      'status',
      'pending_payment',
      'fcode',
      'ab12',
      'seq',
      '7',
      'idem',
      'k-1',
    ];
    expect(decodeOutboxEntry('s', fields)).toEqual({
      orderId: 'o-1',
      saleId: 's',
      buyerId: 'alice',
      quantity: 2,
      createdAtMs: 1000,
      expiresAtMs: 61000,
      status: 'pending_payment',
      fcodeHash: 'ab12',
      seq: 7,
      acceptanceSeq: 7,
      idempotencyKey: 'k-1',
    });
  });

  it('leaves out an empty F-code and key, and reads entries older than seq', () => {
    const order = decodeOutboxEntry('s', [...base, 'status', 'paid', 'fcode', '', 'idem', '']);
    expect(order).not.toHaveProperty('fcodeHash');
    expect(order).not.toHaveProperty('idempotencyKey');
    expect(order).not.toHaveProperty('seq');
    expect(order.status).toBe('paid');
  });

  it('refuses a status it does not know', () => {
    expect(() => decodeOutboxEntry('s', [...base, 'status', 'refunded'])).toThrow(/unknown status/);
  });
});
