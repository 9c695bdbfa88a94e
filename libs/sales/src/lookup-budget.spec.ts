import { LookupBudget } from './lookup-budget';

describe('LookupBudget', () => {
  it('gives so many lookups a second, then none until the next second', () => {
    const budget = new LookupBudget(3);
    const at = 1_700_000_000_000;
    expect([1, 2, 3, 4].map(() => budget.take(at + 10))).toEqual([true, true, true, false]);
    expect(budget.take(at + 999)).toBe(false);
    expect(budget.take(at + 1000)).toBe(true);
  });
});
