import { ScriptGateway } from '@flash/inventory';
import { RedisKeys } from '@flash/redis';
import { RedisThrottlerStorage } from '@flash/throttling';
import { deleteKeys, newWorld, worldRedis } from '../support/test-env';

/** The throttler's Redis storage: one count shared by every API instance. */
describe('RedisThrottlerStorage (rate-limit.lua)', () => {
  const world = newWorld();
  const keys = new RedisKeys(world.config.redisKeyPrefix);
  const connections = [worldRedis(world), worldRedis(world)];
  // Two storages on two connections: two API instances.
  const [a, b] = connections.map((c) => new RedisThrottlerStorage(new ScriptGateway(c, keys)));

  afterAll(async () => {
    await deleteKeys(connections[0], `${world.config.redisKeyPrefix}*`);
    await Promise.all(connections.map((c) => c.quit()));
  });

  it('counts across instances and blocks the request over the limit', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).increment('k1', 10_000, 10, 3000, 'buyer'),
      ),
    );
    expect(results.filter((r) => !r.isBlocked)).toHaveLength(10);
    expect(results.filter((r) => r.isBlocked)).toHaveLength(30);
    const blocked = results.find((r) => r.isBlocked)!;
    expect(blocked.timeToBlockExpire).toBeGreaterThan(0);
    expect(blocked.timeToBlockExpire).toBeLessThanOrEqual(3);
    // Still blocked, and requests while blocked do not extend the count.
    const again = await a.increment('k1', 10_000, 10, 3000, 'buyer');
    expect(again.isBlocked).toBe(true);
    expect(again.totalHits).toBe(11);
  });

  it('keeps trackers and throttlers apart', async () => {
    for (let i = 0; i < 5; i++) await a.increment('k2', 10_000, 5, 1000, 'buyer');
    expect((await a.increment('k2', 10_000, 5, 1000, 'buyer')).isBlocked).toBe(true);
    expect((await a.increment('k3', 10_000, 5, 1000, 'buyer')).isBlocked).toBe(false);
    expect((await a.increment('k2', 10_000, 5, 1000, 'ip')).isBlocked).toBe(false);
  });

  it('lets the tracker back in when the block and the window are over', async () => {
    for (let i = 0; i < 3; i++) await b.increment('k4', 200, 2, 200, 'buyer');
    expect((await b.increment('k4', 200, 2, 200, 'buyer')).isBlocked).toBe(true);
    await new Promise((r) => setTimeout(r, 450));
    const after = await b.increment('k4', 200, 2, 200, 'buyer');
    expect(after).toMatchObject({ isBlocked: false, totalHits: 1 });
  });
});
