import { GenericContainer, StartedTestContainer } from 'testcontainers';
import { PostgreSqlContainer } from '@testcontainers/postgresql';

/**
 * Tests use REDIS_URL and DATABASE_URL when set (the CI and development machines have both
 * services on loopback). Otherwise they start Redis 7 and Postgres 15 with testcontainers,
 * and every test file isolates itself inside them (own key prefix, own schema).
 */
declare global {
  var __flashContainers: StartedTestContainer[] | undefined;
}

export default async function globalSetup(): Promise<void> {
  try {
    await startMissingServices();
  } catch (err) {
    throw new Error(
      `REDIS_URL/DATABASE_URL are not both set and testcontainers could not start them: ${(err as Error).message}`,
    );
  }
}

async function startMissingServices(): Promise<void> {
  const started: StartedTestContainer[] = [];
  if (!process.env.REDIS_URL) {
    const redis = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    process.env.REDIS_URL = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
    started.push(redis);
  }
  if (!process.env.DATABASE_URL) {
    const postgres = await new PostgreSqlContainer('postgres:15-alpine').start();
    process.env.DATABASE_URL = postgres.getConnectionUri();
    started.push(postgres);
  }
  globalThis.__flashContainers = started;
}
