import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import { loadConfig, localJwtSecret } from '@flash/config';
import { InventoryService } from '@flash/inventory';
import { RedisKeys } from '@flash/redis';
import { machineDescription, waitForDrain } from './bench-support';
import {
  BenchApi,
  Load,
  benchApi,
  buyerTokens,
  chooseLoad,
  createSale,
  expectRefusal,
  scriptPathSale,
} from './bench-sales';
import {
  Burst,
  FloorRound,
  PathComparison,
  Side,
  comparePath,
  formatComparisons,
  roundOrder,
} from './floor-run';
import { RunningProcess, freePort, startProcess, stopProcess, waitHealthy } from './processes';

/**
 * npm run bench:floor -- [--rounds 3] [--seconds 5] [--connections 100] [--buyers 4000]
 *   [--accepted-buyers 40000] [--paths script,accepted] [--load wrk|node] [--api-dist DIR]
 *   [--floor-dist DIR] [--record [--record-as NAME]]
 *
 * The API against the floor: starts the built API (with a worker) and loadtest/bench's
 * floor server (Fastify + ioredis running the same purchase.lua), then alternates them,
 * round by round, on two paths:
 *   - script: buyers who already bought, so every attempt runs the whole script and is
 *     refused by the per-user limit (409); neither side writes an order;
 *   - accepted: a fresh sale per round and side, every attempt accepted (202); the API also
 *     feeds the pipeline (relay, BullMQ, worker, Postgres), which drains between bursts.
 * Prints attempts/s and p99 of each side and their ratios as median (min-max). Uses
 * REDIS_URL / DATABASE_URL from the environment (migrated with `npm run migrate`).
 */
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '100' },
    buyers: { type: 'string', default: '4000' },
    'accepted-buyers': { type: 'string', default: '40000' },
    paths: { type: 'string', default: 'script,accepted' },
    load: { type: 'string' },
    'api-dist': { type: 'string' },
    'floor-dist': { type: 'string' },
    record: { type: 'boolean', default: false },
    'record-as': { type: 'string', default: 'floor' },
    out: { type: 'string', default: join('loadtest', 'results') },
  },
});

// --api-dist runs the API (and worker) of another build, e.g. an older commit built elsewhere,
// against this build's floor: "before" and "after" from the same command.
const DIST = resolve(args['api-dist'] ?? join(__dirname, '..', '..'));
// --floor-dist puts another build's API where the floor server stands (script path only):
// a change's cost as the ratio of two builds, alternated round by round in one run.
const OTHER_API =
  args['floor-dist'] && join(resolve(args['floor-dist']), 'apps', 'api', 'src', 'main.js');
const MAIN = {
  api: join(DIST, 'apps', 'api', 'src', 'main.js'),
  worker: join(DIST, 'apps', 'worker', 'src', 'main.js'),
  floor: OTHER_API || join(__dirname, 'floor-server.js'),
};

const settings = {
  rounds: Math.max(1, Number(args.rounds)),
  durationMs: Math.min(Number(args.seconds), 60) * 1000,
  connections: Number(args.connections),
  buyers: Number(args.buyers),
  acceptedBuyers: Number(args['accepted-buyers']),
};

interface Bench {
  api: BenchApi;
  load: Load;
  urls: Record<Side, URL>;
  /** Arms the floor's own sales on the accepted path. */
  inventory: InventoryService;
  redis: Redis;
  keys: RedisKeys;
}

async function main(): Promise<void> {
  const paths = args.paths.split(',');
  if (OTHER_API && paths.includes('accepted')) {
    throw new Error('--floor-dist compares two APIs on the script path only: add --paths script');
  }
  const env = process.env as Record<string, string>;
  const config = loadConfig();
  const redis = new Redis(config.redisUrl);
  const processes: RunningProcess[] = [];
  try {
    const ports = { api: await freePort(), floor: await freePort() };
    const common = { ...env, HOST: '127.0.0.1', RELAY_ENABLED: 'true' };
    const api = startProcess(MAIN.api, { ...common, PORT: String(ports.api) });
    const floor = startProcess(MAIN.floor, { ...common, PORT: String(ports.floor) });
    const workerPort = String(await freePort());
    const worker = startProcess(MAIN.worker, { ...common, WORKER_METRICS_PORT: workerPort });
    processes.push(api, floor, worker);
    const urls = {
      api: new URL(`http://127.0.0.1:${ports.api}`),
      floor: new URL(`http://127.0.0.1:${ports.floor}`),
    };
    await Promise.all([waitHealthy(api, urls.api.origin), waitHealthy(floor, urls.floor.origin)]);
    const keys = new RedisKeys(config.redisKeyPrefix);
    const bench: Bench = {
      api: benchApi(urls.api, localJwtSecret()),
      load: chooseLoad(args.load),
      urls,
      inventory: new InventoryService(redis, keys),
      redis,
      keys,
    };
    const results: PathComparison[] = [];
    if (paths.includes('script')) results.push(await scriptPath(bench));
    if (paths.includes('accepted')) results.push(await acceptedPath(bench));
    await bench.api.http.close();
    report(results, bench.load.name);
  } finally {
    await Promise.all(processes.map((p) => stopProcess(p)));
    redis.disconnect();
  }
}

function burstOn(
  bench: Bench,
  side: Side,
  saleId: string,
  tokens: string[],
  durationMs = settings.durationMs,
): Promise<Burst> {
  return bench.load.send({
    url: bench.urls[side],
    saleId,
    tokens,
    connections: settings.connections,
    durationMs,
    maxAttempts: 5_000_000,
  });
}

function line(side: Side, b: Burst): string {
  return `${side.padEnd(5)} ${Math.round(b.perSecond)}/s  p50 ${b.p50Ms.toFixed(1)} ms  p99 ${b.p99Ms.toFixed(1)} ms  ${JSON.stringify(b.statuses)}`;
}

/** Every attempt runs the whole script and is refused by the per-user limit. */
async function scriptPath(bench: Bench): Promise<PathComparison> {
  console.log(`\n== script path: ${settings.buyers} buyers who already bought`);
  const tokens = buyerTokens(bench.api, bench.load, settings.buyers, 'floor-s');
  const saleId = await scriptPathSale(bench.api, tokens, settings.connections);
  for (const side of ['api', 'floor'] as const) {
    await expectRefusal(bench.urls[side], saleId, tokens[0], 'LIMIT_REACHED');
    // Both servers' code is compiled before the first measured round.
    await burstOn(bench, side, saleId, tokens, 2000);
  }
  const rounds: FloorRound[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const results: Partial<FloorRound> = {};
    for (const side of roundOrder(round)) {
      const b = await burstOn(bench, side, saleId, tokens);
      console.log(`round ${round + 1}  ${line(side, b)}`);
      if (Object.keys(b.statuses).some((s) => s !== '409' && s !== '4xx/5xx')) {
        console.log('  (the script path expects every answer to be 409 LIMIT_REACHED)');
      }
      results[side] = b;
    }
    rounds.push(results as FloorRound);
  }
  await expectRefusal(bench.urls.api, saleId, tokens[0], 'LIMIT_REACHED');
  return comparePath('script (refused by the per-user limit)', rounds);
}

/** Every attempt is accepted: a fresh sale for each burst, with stock to spare. */
async function acceptedPath(bench: Bench): Promise<PathComparison> {
  console.log(`\n== accepted path: ${settings.acceptedBuyers} buyers, every attempt accepted`);
  const tokens = buyerTokens(bench.api, bench.load, settings.acceptedBuyers, 'floor-a');
  const stock = 5_000_000;
  const perUserLimit = 1000;
  const rounds: FloorRound[] = [];
  for (let round = 0; round < settings.rounds + 1; round++) {
    const results: Partial<FloorRound> = {};
    for (const side of roundOrder(round)) {
      // The first round only warms both sides up.
      const durationMs = round === 0 ? 2000 : settings.durationMs;
      let b: Burst;
      if (side === 'api') {
        const saleId = await createSale(bench.api, stock, perUserLimit);
        b = await burstOn(bench, side, saleId, tokens, durationMs);
        const drain = await waitForDrain(bench.api.http, saleId, bench.api.admin, 180_000);
        if (round > 0)
          console.log(`round ${round}  ${line(side, b)}  (drained in ${drain.drainMs} ms)`);
      } else {
        const saleId = await floorSale(bench, stock, perUserLimit);
        b = await burstOn(bench, side, saleId, tokens, durationMs);
        await bench.inventory.disarm(saleId);
        if (round > 0) console.log(`round ${round}  ${line(side, b)}`);
      }
      if (Object.keys(b.statuses).some((s) => s !== '202' && s !== '2xx')) {
        console.log('  (the accepted path expects every answer to be 202)');
      }
      results[side] = b;
    }
    if (round > 0) rounds.push(results as FloorRound);
  }
  return comparePath('accepted (every attempt buys)', rounds);
}

/**
 * A sale armed as the API arms one, but not listed as active: no relay picks its orders up,
 * so the floor's bursts feed no pipeline. Removed after its burst.
 */
async function floorSale(bench: Bench, stock: number, perUserLimit: number): Promise<string> {
  const saleId = randomUUID();
  await bench.inventory.arm({
    saleId,
    stock,
    perUserLimit,
    startsAt: new Date(Date.now() - 1000),
    endsAt: null,
  });
  await bench.redis.srem(bench.keys.activeSales, saleId);
  return saleId;
}

function report(results: PathComparison[], loadName: string): void {
  const table = formatComparisons(results);
  console.log(`\n${table}\n`);
  const at = new Date().toISOString();
  mkdirSync(args.out, { recursive: true });
  const file = join(args.out, `floor-${at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ at, settings, results }, null, 2));
  console.log(`results written to ${file}`);
  if (!args.record) return;
  const machine = machineDescription();
  const apiBuild =
    (args['api-dist'] ? ` --api-dist ${args['api-dist']}` : '') +
    (OTHER_API ? ` --paths script --floor-dist ${args['floor-dist']}` : '');
  const sides = OTHER_API
    ? `"API" is this build and "floor" the API built at ${args['floor-dist']}, each with the same Redis and Postgres`
    : 'the floor is loadtest/bench/floor-server.ts';
  const command = `npm run bench:floor -- --rounds ${settings.rounds} --seconds ${settings.durationMs / 1000}${apiBuild} --record --record-as ${args['record-as']}`;
  writeFileSync(
    join('docs', 'results', `${args['record-as']}.md`),
    `# The API against the floor\n\nRecorded ${at} on ${machine}, with \`${command}\`: ` +
      `load from ${loadName}, ${settings.connections} connections, ${settings.durationMs / 1000} s per burst, the two servers ` +
      `alternated over ${settings.rounds} rounds (the side going first alternates too), driver, ` +
      `servers, Redis and Postgres on the same machine. Figures are median (min-max) over the rounds; ` +
      `each ratio is taken within a round; ${sides}.\n\n${table}\n`,
  );
  console.log(`recorded in docs/results/${args['record-as']}.md`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
