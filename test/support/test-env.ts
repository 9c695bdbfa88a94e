import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { Client } from 'pg';
import { AppConfig, TEST_SECRETS, loadConfig } from '@flash/config';
import { createDataSource } from '@flash/database';
import { ClientRole, RedisClient, createRedis } from '@flash/redis';
import { CLUSTER_NODES_VARIABLE } from './cluster-nodes';

/**
 * One isolated world per test file: a random Redis key prefix, BullMQ prefix and Postgres
 * schema, so files run in parallel and leftovers of earlier runs change nothing.
 */
export interface TestWorld {
  id: string;
  env: Record<string, string>;
  config: AppConfig;
}

export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

export function databaseUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

export function newWorld(extra: Record<string, string> = {}): TestWorld {
  const id = `t${randomBytes(5).toString('hex')}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    // The test runner sets the published test secrets itself: no process defaults to them.
    ...TEST_SECRETS,
    REDIS_URL: redisUrl(),
    DATABASE_URL: databaseUrl(),
    DATABASE_SCHEMA: id,
    REDIS_KEY_PREFIX: `${id}:`,
    QUEUE_PREFIX: `${id}q`,
    DEV_TOKENS: 'true',
    // Suites mint their buyers' tokens through POST /auth/dev-token by the hundred, from one
    // address: the anonymous limit has its own tests (unthrottled-doors), which switch it on.
    RATE_LIMIT_ANONYMOUS: '0',
    RELAY_IDLE_MS: '10',
    WORKER_METRICS_PORT: '0',
    ...clusterEnv(),
    ...extra,
  };
  return { id, env, config: loadConfig(env) };
}

declare global {
  /** Set by the cluster projects' configuration (jest `globals`). */
  var __FLASH_CLUSTER__: boolean | undefined;
}

/** The cluster projects run the same suites on the Redis Cluster their global setup started. */
function clusterEnv(): Record<string, string> {
  if (!globalThis.__FLASH_CLUSTER__) return {};
  const nodes = process.env[CLUSTER_NODES_VARIABLE];
  if (!nodes) throw new Error('the cluster project started no cluster');
  return { REDIS_CLUSTER_NODES: nodes };
}

/** Creates the world's schema and applies the real migrations to it. */
export async function migrate(world: TestWorld): Promise<void> {
  const client = new Client({ connectionString: world.config.databaseUrl });
  await client.connect();
  await client.query(`CREATE SCHEMA IF NOT EXISTS "${world.config.databaseSchema}"`);
  await client.end();
  const dataSource = await createDataSource(world.config, 'test-migrate').initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
}

/** Drops the world's schema and Redis keys. */
export async function destroyWorld(world: TestWorld): Promise<void> {
  const client = new Client({ connectionString: world.config.databaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${world.config.databaseSchema}" CASCADE`);
  await client.end();
  const redis = worldRedis(world, 'test-cleanup');
  for (const pattern of [`${world.config.redisKeyPrefix}*`, `${world.config.queue.prefix}:*`]) {
    await deleteKeys(redis, pattern);
  }
  await redis.quit();
}

/** A Redis client of the world's topology: the server at REDIS_URL, or the cluster. */
export function worldRedis(world: TestWorld, name = 'test', role: ClientRole = {}): RedisClient {
  return createRedis(world.config, name, role);
}

/** The keys matching a pattern: on a cluster, those of every primary. */
export async function keysMatching(redis: RedisClient, pattern: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}

/** Deletes the keys matching a pattern, one by one (on a cluster they span slots). */
export async function deleteKeys(redis: RedisClient, pattern: string): Promise<void> {
  const keys = await keysMatching(redis, pattern);
  await Promise.all(keys.map((key) => redis.del(key)));
}

/** A plain pg client on the world's schema, for assertions. */
export async function sqlClient(world: TestWorld): Promise<Client> {
  const client = new Client({
    connectionString: world.config.databaseUrl,
    options: `-c search_path=${world.config.databaseSchema}`,
  });
  await client.connect();
  return client;
}
