import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import {
  formatSpread,
  latencyPercentiles,
  machineDescription,
  mintToken,
  spreadOf,
} from '../bench/bench-support';
import { FaultStack } from './fault-stack';
import { FULL_SIZE, laggingFailover, runFault } from './scenarios';
import { SentinelTopology } from './sentinel-topology';
import { PostgresServer, RedisPersistence } from './servers';

/**
 * npm run durability [-- --rounds 3 --attempts 4000] [--record]
 *
 * What each durability setting costs and buys, on a primary, a replica and three sentinels:
 * purchases/s and p99 of a closed-loop burst (the settings alternated, several rounds), and
 * the acknowledged orders lost when the primary dies while its replica lags 2 s behind
 * (fault scenario b under that setting). --record writes docs/results/durability.md.
 */
interface Setting {
  id: string;
  appendfsync: RedisPersistence;
  waitReplicas: boolean;
}

const SETTINGS: Setting[] = [
  { id: 'no AOF, no wait', appendfsync: 'none', waitReplicas: false },
  { id: 'AOF everysec, no wait', appendfsync: 'everysec', waitReplicas: false },
  { id: 'AOF always, no wait', appendfsync: 'always', waitReplicas: false },
  { id: 'AOF everysec + WAIT 1 replica', appendfsync: 'everysec', waitReplicas: true },
  { id: 'AOF always + WAIT 1 replica', appendfsync: 'always', waitReplicas: true },
];

const WAIT_ENV = { PURCHASE_WAIT_REPLICAS: '1', PURCHASE_WAIT_TIMEOUT_MS: '100' };

interface Burst {
  perSecond: number;
  p99Ms: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      attempts: { type: 'string', default: '4000' },
      record: { type: 'boolean', default: false },
    },
  });
  const rounds = Number(values.rounds);
  const attempts = Number(values.attempts);
  const pg = await PostgresServer.start();
  try {
    const bursts = await measureBursts(pg, rounds, attempts);
    const lost = new Map<string, string>();
    for (const setting of SETTINGS) {
      const scenario = laggingFailover(`b`, setting.waitReplicas);
      const verdict = await runFault(
        { ...scenario, redisPersistence: setting.appendfsync },
        FULL_SIZE,
        pg,
      );
      lost.set(
        setting.id,
        `${verdict.lost} of ${verdict.acknowledged} (${verdict.lostAnsweredTruthfully} answered 410)`,
      );
      console.log(`${setting.id}: lost in a lagging failover ${lost.get(setting.id)}`);
    }
    const table = durabilityTable(bursts, lost);
    console.log(`\n${table}`);
    if (values.record) record(table, rounds, attempts);
  } finally {
    pg.destroy();
  }
}

/** Each setting's bursts, the settings alternated round by round on the same servers. */
async function measureBursts(
  pg: PostgresServer,
  rounds: number,
  attempts: number,
): Promise<Map<string, Burst[]>> {
  const ha = await SentinelTopology.start('everysec');
  const stacks = {
    plain: await FaultStack.start({ databaseUrl: pg.url(), env: { ...ha.env } }),
    waiting: await FaultStack.start({ databaseUrl: pg.url(), env: { ...ha.env, ...WAIT_ENV } }),
  };
  const bursts = new Map<string, Burst[]>(SETTINGS.map((s) => [s.id, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const setting of SETTINGS) {
        await setAof(ha, setting.appendfsync);
        const stack = setting.waitReplicas ? stacks.waiting : stacks.plain;
        const burst = await runBurst(stack, attempts, `${round}-${setting.id}`);
        bursts.get(setting.id)!.push(burst);
        console.log(
          `round ${round + 1}, ${setting.id}: ${Math.round(burst.perSecond)}/s, p99 ${burst.p99Ms.toFixed(1)} ms`,
        );
      }
    }
  } finally {
    await stacks.plain.stop();
    await stacks.waiting.stop();
    await ha.stop();
  }
  return bursts;
}

/** The same AOF setting on the primary and the replica. */
async function setAof(ha: SentinelTopology, appendfsync: RedisPersistence): Promise<void> {
  for (const server of [ha.primary, ha.replica]) {
    const redis = server.client();
    try {
      if (appendfsync === 'none') await redis.config('SET', 'appendonly', 'no');
      else {
        await redis.config('SET', 'appendonly', 'yes', 'appendfsync', appendfsync);
      }
      // Switching the AOF on rewrites it in the background: measure after it finished.
      while ((await redis.info('persistence')).includes('aof_rewrite_in_progress:1')) {
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      redis.disconnect();
    }
  }
}

/** `attempts` distinct buyers, 50 at a time, each buying once from a sale with stock for all. */
async function runBurst(stack: FaultStack, attempts: number, tag: string): Promise<Burst> {
  const saleId = await stack.createSale(attempts);
  const tokens = Array.from({ length: attempts }, (_, i) =>
    mintToken(`d-${tag.replace(/[^A-Za-z0-9]/g, '')}-${i}`, stack.jwtSecret),
  );
  const http = new Pool(stack.baseUrl, { connections: 50 });
  const latencies: number[] = [];
  let accepted = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < attempts) {
        const i = next++;
        const t0 = performance.now();
        const res = await http.request({
          method: 'POST',
          path: `/sales/${saleId}/purchase`,
          headers: { authorization: `Bearer ${tokens[i]}`, 'content-type': 'application/json' },
          body: '{}',
        });
        await res.body.dump();
        latencies.push(performance.now() - t0);
        if (res.statusCode === 202) accepted++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await http.close();
  return { perSecond: accepted / seconds, p99Ms: latencyPercentiles(latencies).p99 };
}

function spread(values: number[], digits: number): string {
  return formatSpread(spreadOf(values), digits);
}

export function durabilityTable(bursts: Map<string, Burst[]>, lost: Map<string, string>): string {
  const head =
    '| setting | accepted purchases/s, median (min-max) | p99 ms, median (min-max) | acknowledged orders lost when the primary dies with its replica 2 s behind |\n' +
    '| --- | --: | --: | --- |';
  const rows = SETTINGS.map((s) => {
    const b = bursts.get(s.id) ?? [];
    return `| ${s.id} | ${spread(
      b.map((x) => x.perSecond),
      0,
    )} | ${spread(
      b.map((x) => x.p99Ms),
      1,
    )} | ${lost.get(s.id) ?? 'not measured'} |`;
  });
  return [head, ...rows].join('\n');
}

function record(table: string, rounds: number, attempts: number): void {
  const machine = machineDescription();
  writeFileSync(
    join(process.cwd(), 'docs', 'results', 'durability.md'),
    `# Durability settings, measured\n\nRecorded ${new Date().toISOString()} on ${machine}, with ` +
      `\`npm run durability -- --rounds ${rounds} --attempts ${attempts} --record\`: a primary, a replica and three ` +
      `sentinels on loopback, the API and the worker as processes. Throughput: ${attempts} buyers, 50 at ` +
      `a time, each buying once, the settings alternated over ${rounds} rounds. Loss: fault scenario b ` +
      `(${FULL_SIZE.stock} units) under each setting.\n\n${table}\n`,
  );
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.stack ?? err.message);
    process.exitCode = 1;
  });
}
