import { saleStatus } from './sale-status';

describe('saleStatus', () => {
  const start = new Date('2012-05-18T04:00:00Z');
  const end = new Date('2012-05-18T05:00:00Z');
  it.each([
    [start.getTime() - 1, 10, 'upcoming'],
    [start.getTime(), 10, 'live'],
    [start.getTime() + 1000, 0, 'sold_out'],
    [end.getTime(), 10, 'ended'],
    [end.getTime() + 1, 0, 'ended'],
  ])('at %p with %p left is %p', (now, remaining, status) => {
    expect(saleStatus(now, start, end, remaining)).toBe(status);
  });

  it('an open-ended sale never ends', () => {
    expect(saleStatus(Date.parse('2099-01-01T00:00:00Z'), start, null, 1)).toBe('live');
  });
});
