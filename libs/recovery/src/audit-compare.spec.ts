import { AuditInput, PostgresOrder, RedisOrder, compareSale } from './audit-compare';

const NOW = 1_000_000;
const OLD = NOW - 60_000;

function redisOrder(id: string, overrides: Partial<RedisOrder> = {}): RedisOrder {
  return {
    orderId: id,
    buyerId: `buyer-${id}`,
    quantity: 1,
    createdMs: OLD,
    expiresMs: NOW + 600_000,
    status: 'pending_payment',
    ...overrides,
  };
}

function pgOrder(id: string, overrides: Partial<PostgresOrder> = {}): PostgresOrder {
  return { orderId: id, quantity: 1, status: 'pending_payment', createdMs: OLD, ...overrides };
}

function input(redis: RedisOrder[], postgres: PostgresOrder[], counters = {}): AuditInput {
  return {
    nowMs: NOW,
    graceMs: 30_000,
    counters: {
      stock: 10,
      remaining: 10 - redis.length,
      held: redis.length,
      paid: 0,
      rejected: 0,
      ...counters,
    },
    redis,
    postgres,
  };
}

describe('compareSale', () => {
  it('finds nothing when both stores agree', () => {
    const result = compareSale(
      input([redisOrder('a'), redisOrder('b')], [pgOrder('a'), pgOrder('b')]),
    );
    expect(result).toEqual({ discrepancies: [], resend: [] });
  });

  it('leaves orders still in the pipeline alone', () => {
    const young = redisOrder('young', { createdMs: NOW - 1000 });
    expect(compareSale(input([young], [])).discrepancies).toEqual([]);
  });

  it('resends an order whose entry was lost, and a status Postgres never heard of', () => {
    const lost = redisOrder('lost');
    const paid = redisOrder('paid', { status: 'paid' });
    const result = compareSale(
      input([lost, paid], [pgOrder('paid')], { remaining: 8, held: 1, paid: 1 }),
    );
    expect(result.discrepancies.map((d) => [d.kind, d.orderId])).toEqual([
      ['lost', 'lost'],
      ['status', 'paid'],
      ['units', undefined],
    ]);
    expect(result.resend).toEqual([lost, paid]);
  });

  it('reports what Redis lost, a broken balance and units never restored, without resending', () => {
    const overdue = redisOrder('overdue', { expiresMs: NOW - 120_000 });
    const result = compareSale(
      input([overdue], [pgOrder('overdue'), pgOrder('orphan', { status: 'paid' })], {
        remaining: 5,
      }),
    );
    expect(result.discrepancies.map((d) => d.kind).sort()).toEqual([
      'balance',
      'orphan',
      'unexpired',
      'units',
    ]);
    expect(result.resend).toEqual([]);
  });

  it('accepts an order Postgres rejected as settled', () => {
    const result = compareSale(
      input([redisOrder('r', { status: 'rejected' })], [pgOrder('r', { status: 'rejected' })], {
        remaining: 9,
        held: 0,
        rejected: 1,
      }),
    );
    expect(result.discrepancies).toEqual([]);
  });
});
