import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import {
  InventoryService,
  REGISTRATION_BUCKETS,
  ScriptGateway,
  registrationSlot,
} from '@flash/inventory';
import { RedisKeys } from '@flash/redis';
import { assertLoopback } from './bench-support';

/**
 * npm run bench:registrations -- [--count 1000000] [--redis redis://127.0.0.1:6379]
 *
 * Registers COUNT buyers for a throwaway sale through register.lua (pipelined) and prints
 * what Redis holds for them: bytes per registration in the bucketed hashes, against a
 * plain SET of the same buyer ids, the encoding of the buckets, and registrations/s.
 * Then it checks the gate: every registered buyer passes, none of COUNT others does.
 * Everything it wrote is deleted at the end.
 */
const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});

const PIPELINE = 5000;

async function memoryOf(redis: Redis, keys: string[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < keys.length; i += PIPELINE) {
    const pipeline = redis.pipeline();
    for (const key of keys.slice(i, i + PIPELINE)) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    for (const [, bytes] of (await pipeline.exec()) ?? []) total += Number(bytes ?? 0);
  }
  return total;
}

async function main(): Promise<void> {
  const count = Number(args.count);
  assertLoopback(args.redis);
  const redis = new Redis(args.redis);
  const prefix = `bench-reg-${randomUUID().slice(0, 8)}:`;
  const keys = new RedisKeys(prefix);
  const inventory = new InventoryService(redis, keys);
  const scripts = new ScriptGateway(redis, keys);
  const saleId = randomUUID();
  const now = await inventory.now();
  await inventory.arm({
    saleId,
    stock: 1,
    perUserLimit: 1,
    startsAt: new Date(now + 3_600_000),
    endsAt: null,
    registration: { opensAt: new Date(now - 1000), closesAt: new Date(now + 3_600_000) },
  });
  const setKey = `${prefix}plain-set`;
  try {
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i += PIPELINE) {
      const pipeline = redis.pipeline();
      for (let j = i; j < Math.min(count, i + PIPELINE); j++) {
        scripts.queue(pipeline, 'register', { saleId, buyerId: `buyer-${j}` });
      }
      await pipeline.exec();
      if (i % 100_000 === 0) process.stderr.write(`\rregistered ${i.toLocaleString('en')}   `);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stderr.write('\n');
    const counted = Number(await redis.hget(keys.sale(saleId).state, 'registered'));

    const buckets = Array.from({ length: REGISTRATION_BUCKETS }, (_, b) =>
      keys.registrationBucket(saleId, b),
    );
    const bucketBytes = await memoryOf(redis, buckets);
    const encodings = new Map<string, number>();
    for (let i = 0; i < buckets.length; i += PIPELINE) {
      const pipeline = redis.pipeline();
      for (const key of buckets.slice(i, i + PIPELINE)) pipeline.object('ENCODING', key);
      for (const [, enc] of (await pipeline.exec()) ?? []) {
        const name = typeof enc === 'string' ? enc : 'empty';
        encodings.set(name, (encodings.get(name) ?? 0) + 1);
      }
    }

    // The naive alternative, for comparison: one SET of the buyer ids.
    for (let i = 0; i < count; i += PIPELINE) {
      const members = Array.from(
        { length: Math.min(PIPELINE, count - i) },
        (_, j) => `buyer-${i + j}`,
      );
      await redis.sadd(setKey, ...members);
    }
    const setBytes = await memoryOf(redis, [setKey]);

    // The gate: registered buyers pass, strangers do not.
    let falsePositives = 0;
    let missing = 0;
    for (const [label, make] of [
      ['registered', (j: number) => `buyer-${j}`],
      ['strangers', (j: number) => `stranger-${j}`],
    ] as const) {
      for (let i = 0; i < count; i += PIPELINE) {
        const pipeline = redis.pipeline();
        for (let j = i; j < Math.min(count, i + PIPELINE); j++) {
          const slot = registrationSlot(make(j));
          pipeline.hexists(keys.registrationBucket(saleId, slot.bucket), slot.field);
        }
        for (const [, found] of (await pipeline.exec()) ?? []) {
          if (label === 'registered' && found !== 1) missing++;
          if (label === 'strangers' && found === 1) falsePositives++;
        }
      }
    }

    const per = (bytes: number) => (bytes / count).toFixed(1);
    console.log(
      `registrations            ${count.toLocaleString('en')} (counted ${counted.toLocaleString('en')})`,
    );
    console.log(
      `registered in            ${seconds.toFixed(1)} s (${Math.round(count / seconds).toLocaleString('en')}/s, pipelined register.lua)`,
    );
    console.log(
      `bucketed hashes          ${(bucketBytes / 2 ** 20).toFixed(1)} MiB, ${per(bucketBytes)} bytes per registration`,
    );
    console.log(
      `a plain SET of the ids   ${(setBytes / 2 ** 20).toFixed(1)} MiB, ${per(setBytes)} bytes per registration (${(setBytes / bucketBytes).toFixed(1)}x)`,
    );
    console.log(
      `bucket encodings         ${[...encodings].map(([e, n]) => `${e} ${n}`).join(', ')}`,
    );
    console.log(
      `gate                     ${missing} registered buyers refused, ${falsePositives} of ${count.toLocaleString('en')} strangers let in`,
    );
    if (counted !== count || missing > 0 || falsePositives > 0) process.exitCode = 2;
  } finally {
    await inventory.disarm(saleId);
    for (let i = 0; i < REGISTRATION_BUCKETS; i += PIPELINE) {
      await redis.del(
        ...Array.from({ length: Math.min(PIPELINE, REGISTRATION_BUCKETS - i) }, (_, b) =>
          keys.registrationBucket(saleId, i + b),
        ),
      );
    }
    await redis.del(setKey);
    await redis.quit();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
