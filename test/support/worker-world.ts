import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { InventoryService } from '@flash/inventory';
import { OrdersQueue } from '@flash/orders';
import { RedisClient, RedisKeys } from '@flash/redis';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { TestWorld, destroyWorld, migrate, newWorld, sqlClient, worldRedis } from './test-env';

/** A migrated world with the worker running in process, and the clients a test needs beside it. */
export interface WorkerWorld {
  world: TestWorld;
  worker: INestApplicationContext;
  queue: OrdersQueue;
  sql: Client;
  redis: RedisClient;
  keys: RedisKeys;
  inventory: InventoryService;
}

export async function startWorkerWorld(env: Record<string, string> = {}): Promise<WorkerWorld> {
  const world = newWorld(env);
  await migrate(world);
  const keys = new RedisKeys(world.config.redisKeyPrefix);
  const redis = worldRedis(world);
  const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(world.config), {
    logger: ['error'],
  });
  await worker.init();
  return {
    world,
    worker,
    queue: new OrdersQueue(world.config),
    sql: await sqlClient(world),
    redis,
    keys,
    inventory: new InventoryService(redis, keys),
  };
}

export async function stopWorkerWorld(w: WorkerWorld | undefined): Promise<void> {
  if (!w) return;
  await w.queue.onApplicationShutdown();
  await w.worker.close();
  await w.redis.quit();
  await w.sql.end();
  await destroyWorld(w.world);
}
