import { pipelineDrained, statsInvariants } from './sale-invariants.js';

const healthy = {
  stock: 100,
  remaining: 10,
  held: 30,
  paid: 60,
  unitsPersisted: 90,
  pipelineLag: 0,
};
const broken = (stats: typeof healthy & { fcodes?: { issued: number; redeemed: number } }) =>
  statsInvariants(stats)
    .filter((i) => !i.ok)
    .map((i) => i.name);

describe('the invariants read from the stats', () => {
  it('hold for a sale that conserved its units and drained its pipeline', () => {
    expect(broken(healthy)).toEqual([]);
    expect(pipelineDrained(healthy)).toBe(true);
  });

  it('name each broken one', () => {
    expect(broken({ ...healthy, remaining: -1, held: 41, unitsPersisted: 101 })).toEqual([
      'no oversell',
    ]);
    expect(broken({ ...healthy, remaining: 11 })).toEqual(['conservation']);
    expect(broken({ ...healthy, unitsPersisted: 89 })).toEqual(['Redis and Postgres agree']);
    expect(broken({ ...healthy, pipelineLag: 3 })).toEqual(['Redis and Postgres agree']);
    expect(pipelineDrained({ ...healthy, pipelineLag: 3 })).toBe(false);
  });

  it('check F-codes only where the sale issued them', () => {
    expect(statsInvariants(healthy).map((i) => i.name)).not.toContain('F-codes spent at most once');
    expect(broken({ ...healthy, fcodes: { issued: 5, redeemed: 5 } })).toEqual([]);
    expect(broken({ ...healthy, fcodes: { issued: 5, redeemed: 6 } })).toEqual([
      'F-codes spent at most once',
    ]);
  });
});
