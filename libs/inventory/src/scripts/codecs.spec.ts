import { holdCodec, outboxEntryCodec, saleEventCodec } from './codecs';

describe('the outbox entry codec', () => {
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
    expect(outboxEntryCodec.decode('s', fields)).toEqual({
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
    const order = outboxEntryCodec.decode('s', [
      ...base,
      'status',
      'paid',
      'fcode',
      '',
      'idem',
      '',
    ]);
    expect(order).not.toHaveProperty('fcodeHash');
    expect(order).not.toHaveProperty('idempotencyKey');
    expect(order).not.toHaveProperty('seq');
    expect(order.status).toBe('paid');
  });

  it('refuses a status it does not know', () => {
    expect(() => outboxEntryCodec.decode('s', [...base, 'status', 'refunded'])).toThrow(
      /unknown status/,
    );
  });
});

describe('the hold codec', () => {
  it('round-trips a hold, with and without an F-code', () => {
    const hold = {
      buyerId: 'b-1',
      quantity: 2,
      createdAt: new Date(1_700_000_000_000),
      expiresAt: new Date(1_700_000_060_000),
    };
    const plain = holdCodec.encode(hold);
    expect(plain).toBe('b-1|2|1700000000000|1700000060000|');
    expect(holdCodec.decode('s', 'o', plain)).toEqual({ ...hold, orderId: 'o', saleId: 's' });
    const redeemed = holdCodec.decode('s', 'o', holdCodec.encode({ ...hold, fcodeHash: 'ab12' }));
    expect(redeemed.fcodeHash).toBe('ab12');
  });
});

describe('the sale event codec', () => {
  it('round-trips every event', () => {
    for (const event of [
      { kind: 'sold_out', saleId: 's1' },
      { kind: 'available', saleId: 's1' },
      { kind: 'paused', saleId: 's1' },
      { kind: 'resumed', saleId: 's1' },
      { kind: 'queue', saleId: 's1', head: 42 },
      { kind: 'order', saleId: 's1', orderId: 'o-1', status: 'paid' },
      { kind: 'order', saleId: 's1', orderId: 'o-1', status: 'rejected' },
      { kind: 'attempts', saleId: 's1', accepted: 3, refused: 1200 },
      {
        kind: 'pulse',
        saleId: 's1',
        pulse: {
          at: 1,
          stock: 10,
          remaining: 4,
          held: 5,
          paid: 1,
          orders: 6,
          pipelineLag: 2,
          queue: { joined: 9, admitted: 6, waiting: 3, suspects: 2, held: 1 },
          registrations: null,
          audit: { lost: 0 },
        },
      },
    ] as const) {
      expect(saleEventCodec.decode(saleEventCodec.encode(event))).toEqual(event);
    }
  });

  it('ignores what it does not know instead of failing', () => {
    expect(saleEventCodec.decode('refilled:s1')).toBeNull();
    expect(saleEventCodec.decode('queue:s1:many')).toBeNull();
    expect(saleEventCodec.decode('sold_out')).toBeNull();
    expect(saleEventCodec.decode('order:s1:o-1:pending_payment')).toBeNull();
    expect(saleEventCodec.decode('order:s1::paid')).toBeNull();
    expect(saleEventCodec.decode('attempts:s1:-1:0')).toBeNull();
    expect(saleEventCodec.decode('attempts:s1:1')).toBeNull();
    expect(saleEventCodec.decode('pulse:s1:{not json')).toBeNull();
    expect(saleEventCodec.decode('pulse:s1:{"at":1}')).toBeNull();
    expect(saleEventCodec.decode('pulse:s1')).toBeNull();
  });
});
