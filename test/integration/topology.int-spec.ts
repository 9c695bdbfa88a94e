import { Cluster } from 'ioredis';
import { newWorld, worldRedis } from '../support/test-env';

/**
 * Every project runs in one jest process: the cluster projects must reach their cluster, and
 * the others must not (a suite that starts a Redis of its own would be talking to the cluster).
 */
describe('the topology of this project', () => {
  it('is the Redis Cluster in the cluster projects, REDIS_URL elsewhere', async () => {
    const world = newWorld();
    const redis = worldRedis(world);
    try {
      if (globalThis.__FLASH_CLUSTER__) {
        expect(world.config.redisCluster?.nodes).toHaveLength(6);
        expect(redis).toBeInstanceOf(Cluster);
        const nodes = String(await (redis as Cluster).call('CLUSTER', 'INFO'));
        expect(nodes).toContain('cluster_state:ok');
      } else {
        expect(world.config.redisCluster).toBeNull();
        expect(redis).not.toBeInstanceOf(Cluster);
        expect(await redis.ping()).toBe('PONG');
      }
    } finally {
      await redis.quit();
    }
  });
});
