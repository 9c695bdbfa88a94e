import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { InventoryService, PurchaseInput } from '@flash/inventory';
import { RedisKeys } from '@flash/redis';
import { RedisServer } from '../../loadtest/faults/servers';
import { call, createSale, devToken, expectErrorShape } from '../support/client';
import { E2E, startE2E, stopE2E } from '../support/e2e';

/** Calls per command name, from INFO commandstats. */
async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1], Number(m[2]));
  return calls;
}

/** What ran on the server between two readings, leaving out the readings themselves. */
function delta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const ran: Record<string, number> = {};
  for (const [name, calls] of after) {
    const n = calls - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
    if (n > 0) ran[name] = n;
  }
  return ran;
}

/**
 * The design's promise: a purchase is one Redis round trip. On a Redis of the test's own, with
 * an API that runs nothing in the background (no relay, no worker), the commands one HTTP
 * purchase caused are counted (INFO commandstats before and after) and compared with those of
 * one purchase.lua call made directly: the same commands, in the same numbers, and exactly one
 * EVALSHA. Redis counts the commands a script runs under their own names, so a second round
 * trip of any kind (the throttler's script, a read before the script) shows up as a difference.
 */
describe('one purchase, one Redis round trip', () => {
  let server: RedisServer;
  let e2e: E2E;
  let probe: Redis;
  let inventory: InventoryService;

  beforeAll(async () => {
    server = await RedisServer.start();
    e2e = await startE2E(
      { REDIS_URL: server.url, RELAY_ENABLED: 'false', RATE_LIMIT_PER_BUYER: '20' },
      { worker: false },
    );
    probe = new Redis(server.url);
    inventory = new InventoryService(probe, new RedisKeys(e2e.world.config.redisKeyPrefix));
    // ioredis sends a script's first call on a connection as EVAL, then EVALSHA: the probe's
    // first call (on an unknown sale, which writes nothing) is made here, outside the counts.
    await inventory.purchase(direct(randomUUID(), 'nobody'));
  });

  afterAll(async () => {
    probe?.disconnect();
    await stopE2E(e2e);
    await server?.stop();
  });

  /** The direct call the API should make for this buyer: same keys, same arguments' shape. */
  const direct = (saleId: string, buyerId: string): PurchaseInput => ({
    saleId,
    buyerId,
    quantity: 1,
    orderId: randomUUID(),
    paymentWindowMs: e2e.world.config.paymentWindowSeconds * 1000,
    rateLimit: {
      windowMs: e2e.world.config.rateLimit.windowMs,
      limit: e2e.world.config.rateLimit.perBuyer,
    },
    cancelBudget: e2e.world.config.cancelsPerBuyer,
  });

  async function measure(action: () => Promise<unknown>): Promise<Record<string, number>> {
    const before = await commandCalls(probe);
    await action();
    return delta(before, await commandCalls(probe));
  }

  it('a refused attempt (the script path) is one EVALSHA and nothing else', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 10, perUserLimit: 1 });
    const token = await devToken(e2e.stack.http, 'repeat');
    const buy = () =>
      call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, { token, body: {} });
    expect((await buy()).status).toBe(202);
    // The second attempt in the window: the counter exists, as for the measured ones.
    expectErrorShape(await buy(), 409, 'LIMIT_REACHED');

    const overHttp = await measure(async () => expectErrorShape(await buy(), 409, 'LIMIT_REACHED'));
    const reference = await measure(() => inventory.purchase(direct(saleId, 'repeat')));

    expect(overHttp.evalsha).toBe(1);
    expect(overHttp).toEqual(reference);
  });

  it('an accepted purchase is one EVALSHA and nothing else', async () => {
    const saleId = await createSale(e2e.stack.http, e2e.admin, { stock: 10, perUserLimit: 1 });
    const token = await devToken(e2e.stack.http, 'first-time');
    const overHttp = await measure(async () => {
      const answer = await call(e2e.stack.http, 'POST', `/sales/${saleId}/purchase`, {
        token,
        body: {},
      });
      expect(answer.status).toBe(202);
    });
    const reference = await measure(() => inventory.purchase(direct(saleId, 'another')));

    expect(overHttp.evalsha).toBe(1);
    expect(overHttp).toEqual(reference);
  });
});
