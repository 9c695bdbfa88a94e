import { InventoryService } from '@flash/inventory';
import { RedisKeys } from '@flash/redis';
import { deleteKeys, newWorld, worldRedis } from './test-env';

/**
 * Several Redis connections, each with an InventoryService, in a fresh key prefix: scripts
 * called through different connections race for real. Registers its own cleanup.
 */
export function inventoryHarness(connectionCount: number) {
  const world = newWorld();
  const keys = new RedisKeys(world.config.redisKeyPrefix);
  const connections = Array.from({ length: connectionCount }, () => worldRedis(world));
  const services = connections.map((c) => new InventoryService(c, keys));
  const redis = connections[0];

  afterAll(async () => {
    await deleteKeys(redis, `${world.config.redisKeyPrefix}*`);
    await Promise.all(connections.map((c) => c.quit()));
  });

  return { world, keys, services, inventory: services[0], redis };
}
