import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import { loadConfig } from '@flash/config';
import { InventoryService, newOrderId } from '@flash/inventory';
import { RedisClient, RedisKeys, createRedis } from '@flash/redis';
import { busySecondsOfProcStat } from '../driver/tier-cpu';
import { ClusterTopology } from '../faults/cluster-topology';
import { formatSpread, machineDescription, spreadOf } from './bench-support';
import {
  PrimaryFigures,
  PrimarySample,
  lastShareSeconds,
  parseInfo,
  primaryFigures,
} from './shard-figures';

/**
 * npm run bench:shards -- [--rounds 3] [--units 30000] [--shards 3] [--concurrency 256]
 *   [--record]
 *
 * One hot sale on a 3-primary Redis Cluster (3 replicas; started here, on loopback), sold
 * unsharded and split into `--shards` inventory shards, the two alternated round by round.
 * Each round arms a fresh sale and lets 1.25 buyers per unit race for it through the
 * project's own purchase (InventoryService: the home shard's script, refills of dry shards);
 * once a buyer hears the sale is sold out the rest stop, as the API's sold-out memory would
 * stop them. Prints, per side: the sell-out time, purchases per second, how long the last
 * 1 % of the units took, the transfers the sale needed, and per primary the orders it took,
 * its script calls and its CPU per call (INFO commandstats and INFO cpu, before and after).
 * --record writes docs/results/shards.md.
 */
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    units: { type: 'string', default: '30000' },
    shards: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '256' },
    record: { type: 'boolean', default: false },
  },
});

interface Round {
  shards: number;
  sellOutSeconds: number;
  purchasesPerSecond: number;
  lastPercentSeconds: number;
  transfers: number;
  primaries: PrimaryFigures[];
  /** CPU microseconds the benchmark's own process (the buyers' client) spent per unit sold. */
  clientMicrosPerUnit: number;
  /** Cores the whole machine kept busy while selling (every process, the kernel's work too). */
  machineCores: number;
}

async function main(): Promise<void> {
  const units = Number(args.units);
  const sharded = Number(args.shards);
  const rounds = Number(args.rounds);
  const cluster = await ClusterTopology.start();
  const primaries: { port: number; client: Redis }[] = [];
  let redis: RedisClient | undefined;
  try {
    const config = loadConfig({ NODE_ENV: 'development', REDIS_CLUSTER_NODES: cluster.nodes });
    redis = createRedis(config, 'shard-bench', { autoPipelining: true });
    const keys = new RedisKeys(config.redisKeyPrefix);
    const inventory = new InventoryService(redis, keys);
    for (const port of await cluster.primaryPorts())
      primaries.push({ port, client: new Redis({ host: '127.0.0.1', port }) });
    const results: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternated, and which side goes first alternates too.
      const order = r % 2 === 0 ? [1, sharded] : [sharded, 1];
      for (const shards of order) {
        const round = await runRound(inventory, keys, cluster, primaries, units, shards);
        results.push(round);
        console.log(`round ${r + 1}, ${shards} shard(s): ${describe(round)}`);
      }
    }
    const table = summarise(results, units);
    console.log(`\n${table}`);
    if (args.record) record(table, units, sharded, rounds);
  } finally {
    await redis?.quit().catch(() => undefined);
    for (const p of primaries) p.client.disconnect();
    await cluster.stop();
  }
}

async function runRound(
  inventory: InventoryService,
  keys: RedisKeys,
  cluster: ClusterTopology,
  primaries: { port: number; client: Redis }[],
  units: number,
  shards: number,
): Promise<Round> {
  const saleId = randomUUID();
  const now = await inventory.now();
  await inventory.arm({
    saleId,
    stock: units,
    shards,
    perUserLimit: 1,
    startsAt: new Date(now - 1000),
    endsAt: null,
  });
  const before = await sample(primaries);
  const soldAt: number[] = [];
  const buyers = Math.ceil(units * 1.25);
  let next = 0;
  let soldOut = false;
  const cpu0 = process.cpuUsage();
  const busy0 = machineBusy();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Number(args.concurrency) }, async () => {
      while (next < buyers && !soldOut) {
        const i = next++;
        const result = await inventory.purchase({
          saleId,
          buyerId: `b${i}`,
          quantity: 1,
          orderId: newOrderId(),
          paymentWindowMs: 600_000,
        });
        if (result.kind === 'accepted') soldAt.push((performance.now() - t0) / 1000);
        else if (result.kind === 'sold_out' && result.remaining === 0) soldOut = true;
      }
    }),
  );
  const client = process.cpuUsage(cpu0);
  const busySeconds = machineBusy() - busy0;
  const elapsed = (performance.now() - t0) / 1000;
  const after = await sample(primaries);
  const counters = await inventory.counters(saleId);
  const owners = await shardOwners(cluster, keys, saleId, shards);
  const perShardOrders = (await inventory.shards.totals(saleId, shards)).shards.map(
    (s) => s.orders,
  );
  const sellOutSeconds = Math.max(...soldAt);
  return {
    shards,
    sellOutSeconds,
    purchasesPerSecond: Math.round(soldAt.length / sellOutSeconds),
    lastPercentSeconds: lastShareSeconds(soldAt, units),
    transfers: counters?.shards?.transfers ?? 0,
    clientMicrosPerUnit: (client.user + client.system) / units,
    machineCores: busySeconds / elapsed,
    primaries: primaries.map((p, i) => {
      const held = owners.flatMap((port, k) => (port === p.port ? [k] : []));
      const taken = held.reduce((n, k) => n + perShardOrders[k], 0);
      return primaryFigures(p.port, before[i], after[i], held, taken);
    }),
  };
}

/** Busy CPU seconds of the whole machine so far (every core), from /proc/stat. */
function machineBusy(): number {
  return busySecondsOfProcStat(readFileSync('/proc/stat', 'utf8'));
}

async function sample(primaries: { client: Redis }[]): Promise<PrimarySample[]> {
  return Promise.all(
    primaries.map(async ({ client }) =>
      parseInfo(await client.info('commandstats'), await client.info('cpu')),
    ),
  );
}

/** The port of the primary holding each shard of the sale. */
async function shardOwners(
  cluster: ClusterTopology,
  keys: RedisKeys,
  saleId: string,
  shards: number,
): Promise<number[]> {
  const owners: number[] = [];
  for (let k = 0; k < shards; k++) {
    const slot = await cluster.slotOf(keys.sale(saleId, k).state);
    owners.push((await cluster.primaryOf(slot)).port);
  }
  return owners;
}

function describe(r: Round): string {
  const busy = r.primaries
    .filter((p) => p.scriptCalls > 0)
    .map((p) => `:${p.port} ${p.orders} orders, ${p.cpuMicrosPerCall.toFixed(1)} µs/call`)
    .join('; ');
  return (
    `sold out in ${r.sellOutSeconds.toFixed(2)} s (${r.purchasesPerSecond}/s), last 1 % ` +
    `${(r.lastPercentSeconds * 1000).toFixed(0)} ms, ${r.transfers} transfers; ${busy}`
  );
}

/** Median (min-max) of each figure, per side. */
function summarise(rounds: Round[], units: number): string {
  const sides = [...new Set(rounds.map((r) => r.shards))];
  const rows = sides.map((shards) => {
    const mine = rounds.filter((r) => r.shards === shards);
    const spread = (f: (r: Round) => number, digits = 2) =>
      formatSpread(spreadOf(mine.map(f)), digits);
    const busiest = (r: Round) => Math.max(...r.primaries.map((p) => p.orders)) / units;
    const used = (r: Round) => r.primaries.filter((p) => p.orders > 0).length;
    const perCall = (r: Round) => {
      const calls = r.primaries.reduce((n, p) => n + p.scriptCalls, 0);
      return (r.primaries.reduce((n, p) => n + p.cpuSeconds, 0) * 1e6) / calls;
    };
    const perPurchase = (r: Round) =>
      (r.primaries.reduce((n, p) => n + p.cpuSeconds, 0) * 1e6) / units;
    return `| ${shards} | ${spread((r) => r.sellOutSeconds)} | ${spread((r) => r.purchasesPerSecond, 0)} | ${spread((r) => r.lastPercentSeconds * 1000, 0)} | ${spread((r) => r.transfers, 0)} | ${spread(used, 0)} | ${spread((r) => busiest(r) * 100, 0)} % | ${spread(perCall, 1)} | ${spread(perPurchase, 1)} | ${spread((r) => r.clientMicrosPerUnit, 1)} | ${spread((r) => r.machineCores)} |`;
  });
  return [
    `| shards | sell-out, s | purchases/s | last 1 %, ms | transfers | primaries used | busiest primary's share of orders | Redis CPU µs per script call | Redis CPU µs per unit sold | client CPU µs per unit sold | machine cores busy |`,
    '| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
    ...rows,
  ].join('\n');
}

function record(table: string, units: number, shards: number, rounds: number): void {
  const command = `npm run bench:shards -- --rounds ${rounds} --units ${units} --shards ${shards} --concurrency ${args.concurrency} --record`;
  writeFileSync(
    'docs/results/shards.md',
    [
      '# One hot sale, unsharded and in inventory shards, on a 3-primary Redis Cluster',
      '',
      `Recorded ${new Date().toISOString()} on ${machineDescription()}, with \`${command}\`.`,
      `Median (min-max) of ${rounds} alternated rounds per side; each round a fresh sale of ${units} units and ${Math.ceil(units * 1.25)} buyers.`,
      '',
      table,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
