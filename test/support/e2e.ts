import type { Client } from 'pg';
import { devToken } from './client';
import { Stack, startStack } from './stack';
import { TestWorld, destroyWorld, migrate, newWorld, sqlClient } from './test-env';

/** What most end-to-end files start with: a migrated world, its processes, SQL, an admin. */
export interface E2E {
  world: TestWorld;
  stack: Stack;
  sql: Client;
  admin: string;
}

export async function startE2E(
  env: Record<string, string> = {},
  options: { worker?: boolean } = {},
): Promise<E2E> {
  const world = newWorld(env);
  await migrate(world);
  const stack = await startStack(world, options);
  const sql = await sqlClient(world);
  const admin = await devToken(stack.http, 'ops', true);
  return { world, stack, sql, admin };
}

export async function stopE2E(e2e: Partial<E2E> | undefined): Promise<void> {
  await e2e?.stack?.stop();
  await e2e?.sql?.end();
  if (e2e?.world) await destroyWorld(e2e.world);
}
