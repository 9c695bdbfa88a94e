import { diagnose } from './sale-health';

describe('diagnose', () => {
  const pg = { redisSeq: 100, regressedAt: null, ordersCount: 40 };
  const live = { stock: '10', seq: '100', orders: '40', rebuildLock: null };

  it('is healthy when Redis has the state and is not behind Postgres', () => {
    expect(diagnose(live, pg)).toBe('healthy');
    expect(diagnose({ ...live, seq: '250' }, pg)).toBe('healthy');
  });

  it('finds a state that is gone, or paused by a rebuild that died', () => {
    expect(diagnose({ stock: null, seq: null, orders: null, rebuildLock: null }, pg)).toBe(
      'missing',
    );
  });

  it('finds a Redis behind Postgres, or one that handed a sequence number out twice', () => {
    expect(diagnose({ ...live, seq: '99' }, pg)).toBe('regressed');
    expect(diagnose({ ...live, seq: null }, pg)).toBe('regressed');
    expect(diagnose({ ...live, seq: '500' }, { ...pg, regressedAt: new Date() })).toBe('regressed');
    // Postgres wrote an order this Redis never counted: a late write after a rebuild's read.
    expect(diagnose({ ...live, orders: '39' }, pg)).toBe('regressed');
  });

  it('leaves a sale alone while a rebuild holds it', () => {
    expect(diagnose({ stock: null, seq: null, orders: null, rebuildLock: 'token' }, pg)).toBe(
      'rebuilding',
    );
  });
});
