import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localJwtSecret } from '@flash/config';
import { freePort, startProcess, stopProcess, waitHealthy } from './processes';
import { PurchaseBenchResult, formatPurchaseBench, runPurchaseBench } from './purchase-run';
import { compareStrategies, formatComparison } from './strategy-comparison';

/**
 * npm run bench:strategies -- [--connections 100] [--stock 20000] [--buyers 40000]
 *   [--attempts 200000] [--duration 30]
 *
 * The design against the naive baseline, in one run with one driver: starts the built API
 * (and a worker) with PURCHASE_STRATEGY=redis, runs the purchase benchmark, stops it, does
 * the same with PURCHASE_STRATEGY=postgres, then prints both and the ratios of throughput
 * and p99. Uses REDIS_URL / DATABASE_URL / DATABASE_SCHEMA from the environment (migrated
 * with `npm run migrate`) and free loopback ports of its own.
 */
const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '100' },
    stock: { type: 'string', default: '20000' },
    buyers: { type: 'string', default: '40000' },
    attempts: { type: 'string', default: '200000' },
    duration: { type: 'string', default: '30' },
    out: { type: 'string', default: join('loadtest', 'results') },
  },
});

const DIST = join(__dirname, '..', '..');
const API_MAIN = join(DIST, 'apps', 'api', 'src', 'main.js');
const WORKER_MAIN = join(DIST, 'apps', 'worker', 'src', 'main.js');

async function benchStrategy(strategy: 'redis' | 'postgres'): Promise<PurchaseBenchResult> {
  const port = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    HOST: '127.0.0.1',
    PURCHASE_STRATEGY: strategy,
    WORKER_METRICS_PORT: String(await freePort()),
    // The naive strategy writes its orders in the request: there is nothing to relay.
    RELAY_ENABLED: strategy === 'redis' ? 'true' : 'false',
  };
  const api = startProcess(API_MAIN, env);
  const worker = strategy === 'redis' ? startProcess(WORKER_MAIN, env) : undefined;
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(api, url);
    console.log(`\n== PURCHASE_STRATEGY=${strategy} (${url})`);
    const result = await runPurchaseBench({
      url,
      connections: Number(args.connections),
      stock: Number(args.stock),
      buyers: Number(args.buyers),
      perUserLimit: 1,
      maxAttempts: Number(args.attempts),
      maxDurationMs: Math.min(Number(args.duration), 300) * 1000,
      pay: false,
      warmupAttempts: 2000,
      jwtSecret: localJwtSecret(),
      onProgress: (line) => process.stderr.write(`\r${line}   `),
    });
    process.stderr.write('\n');
    console.log(formatPurchaseBench(result));
    return result;
  } finally {
    await Promise.all([stopProcess(api), stopProcess(worker)]);
  }
}

async function main(): Promise<void> {
  const redis = await benchStrategy('redis');
  const postgres = await benchStrategy('postgres');
  const comparison = compareStrategies(redis, postgres);
  console.log(`\n${formatComparison(comparison)}`);
  mkdirSync(args.out, { recursive: true });
  const file = join(args.out, `strategies-${redis.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ comparison, redis, postgres }, null, 2));
  console.log(`results written to ${file}`);
  const broken = [...redis.invariants, ...postgres.invariants].filter((i) => !i.ok);
  if (broken.length > 0) process.exit(2);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
