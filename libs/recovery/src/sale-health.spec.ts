import { diagnose } from './sale-health';

describe('diagnose', () => {
  const pg = { redisSeq: 100, regressedAt: null };
  const live = { stock: '10', seq: '100', rebuildLock: null };

  it('is healthy when Redis has the state and is not behind Postgres', () => {
    expect(diagnose(live, pg)).toBe('healthy');
    expect(diagnose({ ...live, seq: '250' }, pg)).toBe('healthy');
  });

  it('finds a state that is gone, or paused by a rebuild that died', () => {
    expect(diagnose({ stock: null, seq: null, rebuildLock: null }, pg)).toBe('missing');
  });

  it('finds a Redis behind Postgres, or one that handed a sequence number out twice', () => {
    expect(diagnose({ ...live, seq: '99' }, pg)).toBe('regressed');
    expect(diagnose({ ...live, seq: null }, pg)).toBe('regressed');
    expect(diagnose({ ...live, seq: '500' }, { ...pg, regressedAt: new Date() })).toBe('regressed');
  });

  it('leaves a sale alone while a rebuild holds it', () => {
    expect(diagnose({ stock: null, seq: null, rebuildLock: 'token' }, pg)).toBe('rebuilding');
  });
});
