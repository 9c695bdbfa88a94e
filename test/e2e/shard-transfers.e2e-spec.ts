import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InventoryService, parseOut } from '@flash/inventory';
import { RedisKeys } from '@flash/redis';
import { until } from '../support/client';
import { spawnProcess } from '../../loadtest/bench/processes';
import { stopProcess } from '../support/stack';
import { TestWorld, deleteKeys, newWorld, worldRedis } from '../support/test-env';

const CHURN = join(__dirname, '..', '..', 'dist', 'loadtest', 'faults', 'transfer-churn.js');
const STOCK = 1000;
const SHARDS = 4;
const KILLS = 8;
/**
 * Only some kills land between a transfer's steps (here one run of eight in five had none):
 * after KILLS the test goes on killing until one has, up to this many.
 */
const MAX_KILLS = 64;

/**
 * A process moving stock between a sale's shards is killed with SIGKILL at random moments,
 * eight times or more. Each kill may cut a transfer between its steps: the units are then in flight,
 * still counted, and the sweep (finishPending) delivers them once. After every kill and
 * sweep no unit is lost or made: the shards' stock adds up to the sale's, and every transfer
 * a donor recorded arrived exactly once at its recipient.
 */
describe('stock transfers between shards, their process killed midway', () => {
  let world: TestWorld;
  let inventory: InventoryService;
  let keys: RedisKeys;
  let redis: ReturnType<typeof worldRedis>;

  beforeAll(() => {
    world = newWorld();
    redis = worldRedis(world);
    keys = new RedisKeys(world.config.redisKeyPrefix);
    inventory = new InventoryService(redis, keys);
  });

  afterAll(async () => {
    await deleteKeys(redis, `${world.config.redisKeyPrefix}*`);
    await redis.quit();
  });

  /** Every donor's "out" record matched by exactly one "in" record at its recipient. */
  async function journalsAgree(saleId: string): Promise<void> {
    const journals = await Promise.all(
      Array.from({ length: SHARDS }, (_, k) => redis.hgetall(keys.sale(saleId, k).transfers)),
    );
    let outs = 0;
    journals.forEach((journal, donor) => {
      for (const [id, record] of Object.entries(journal)) {
        const out = parseOut(record);
        if (!out) continue;
        outs++;
        expect(journals[out.to][id]).toBe(`in|${donor}|${out.units}`);
      }
    });
    const ins = journals.flatMap((j) => Object.values(j)).filter((r) => r.startsWith('in|'));
    expect(ins).toHaveLength(outs);
  }

  it(`loses and duplicates nothing across ${KILLS} kills`, async () => {
    const saleId = randomUUID();
    const now = await inventory.now();
    await inventory.arm({
      saleId,
      stock: STOCK,
      shards: SHARDS,
      perUserLimit: 1,
      startsAt: new Date(now + 3_600_000),
      endsAt: null,
    });
    let cutShort = 0;
    for (let kill = 0; kill < KILLS || (cutShort === 0 && kill < MAX_KILLS); kill++) {
      const churn = spawnProcess(
        process.execPath,
        [CHURN, saleId, String(SHARDS), '100000'],
        world.env,
      );
      // Killed at a random moment once it is well under way.
      await until(() => Promise.resolve(/\b100\n/.test(churn.output())), 30_000);
      await sleep(Math.random() * 200);
      await stopProcess(churn, 'SIGKILL');
      const before = await inventory.counters(saleId);
      expect(before?.stock).toBe(STOCK);
      expect(before?.remaining).toBe(STOCK);
      if ((before?.shards?.inFlight ?? 0) > 0) cutShort++;
      await inventory.shards.finishPending(saleId);
      const after = await inventory.counters(saleId);
      expect(after?.shards?.inFlight).toBe(0);
      const shardStock = (await inventory.shards.totals(saleId, SHARDS)).shards.map((s) => s.stock);
      expect(shardStock.reduce((a, b) => a + b, 0)).toBe(STOCK);
      expect(shardStock.every((n) => n >= 0)).toBe(true);
      await journalsAgree(saleId);
    }
    // This test needs at least one kill to land between a transfer's steps.
    expect(cutShort).toBeGreaterThan(0);
  });
});
