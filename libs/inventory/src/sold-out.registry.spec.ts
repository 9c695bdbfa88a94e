import type { AppConfig } from '@flash/config';
import { RedisKeys } from '@flash/redis';
import { SoldOutRegistry } from './sold-out.registry';

describe('SoldOutRegistry', () => {
  const registry = () => new SoldOutRegistry({} as AppConfig, new RedisKeys('t:'));

  it('follows sold_out and available events in order', () => {
    const r = registry();
    r.onMessage('sold_out:s1');
    expect(r.isSoldOut('s1')).toBe(true);
    expect(r.isSoldOut('s2')).toBe(false);
    r.onMessage('available:s1');
    expect(r.isSoldOut('s1')).toBe(false);
    r.onMessage('sold_out:s1');
    expect(r.isSoldOut('s1')).toBe(true);
  });

  it('ignores a sell-out seen in an answer that raced an "available" event', () => {
    const r = registry();
    const before = r.generation('s1'); // read when the purchase was sent
    r.onMessage('available:s1'); // units came back while the answer was on its way
    r.markSoldOut('s1', before);
    expect(r.isSoldOut('s1')).toBe(false);
    r.markSoldOut('s1', r.generation('s1'));
    expect(r.isSoldOut('s1')).toBe(true);
  });
});
