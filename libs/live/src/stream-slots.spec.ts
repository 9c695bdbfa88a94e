import { TEST_SECRETS, loadConfig } from '@flash/config';
import { StreamSlots } from './stream-slots';

describe('StreamSlots', () => {
  const slots = () =>
    new StreamSlots(
      loadConfig({
        NODE_ENV: 'test',
        ...TEST_SECRETS,
        SSE_STREAMS_PER_BUYER: '2',
        SSE_STREAMS_PER_ADDRESS: '1',
        SSE_STREAMS_PER_INSTANCE: '3',
      }),
    );

  it('holds each owner and the instance to their number of streams, and frees slots once', () => {
    const s = slots();
    const a1 = s.open('queue', { sub: 'a' });
    const a2 = s.open('order', { sub: 'a' });
    expect(s.open('stock', { sub: 'a' })).toEqual({ ok: false, full: 'owner' });
    const b1 = s.open('stock', { sub: 'b' });
    expect(s.open('operator', { sub: 'c' })).toEqual({ ok: false, full: 'instance' });
    if (!a1.ok || !a2.ok || !b1.ok) throw new Error('slots refused');
    a1.release();
    a1.release(); // a second release gives nothing back twice
    expect(s.size).toBe(2);
    expect(s.count('queue')).toBe(0);
    expect(s.count('order')).toBe(1);
    expect(s.open('queue', { sub: 'a' }).ok).toBe(true);
    expect(s.open('queue', { sub: 'c' })).toEqual({ ok: false, full: 'instance' });
    b1.release();
    expect(s.open('queue', { sub: 'c' }).ok).toBe(true);
    expect(s.count('queue')).toBe(2);
  });

  it('holds an anonymous address to its own number, apart from the tokens', () => {
    const s = slots();
    expect(s.open('stock', { address: '10.0.0.1' }).ok).toBe(true);
    expect(s.open('stock', { address: '10.0.0.1' })).toEqual({ ok: false, full: 'owner' });
    // A buyer named like the address is someone else.
    expect(s.open('queue', { sub: '10.0.0.1' }).ok).toBe(true);
  });

  it('keeps each kind its share: a flood of anonymous stock streams leaves the line and operators room', () => {
    const s = new StreamSlots(
      loadConfig({ NODE_ENV: 'test', ...TEST_SECRETS, SSE_STREAMS_PER_INSTANCE: '20' }),
    );
    // Guarantees of 20: queue 10, order 2, operator 1, stock 2; five slots are anyone's.
    const flood = Array.from({ length: 30 }, (_, i) => s.open('stock', { address: `10.0.0.${i}` }));
    expect(flood.filter((slot) => slot.ok)).toHaveLength(7);
    expect(flood[7]).toEqual({ ok: false, full: 'instance' });
    expect(s.open('operator', { sub: 'ops' }).ok).toBe(true);
    expect([1, 2].map((i) => s.open('order', { sub: `payer-${i}` }).ok)).toEqual([true, true]);
    const line = Array.from({ length: 11 }, (_, i) => s.open('queue', { sub: `waiter-${i}` }));
    expect(line.filter((slot) => slot.ok)).toHaveLength(10);
    expect(s.size).toBe(20);
  });
});
