import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localJwtSecret } from '@flash/config';
import { formatPurchaseBench, runPurchaseBench } from './purchase-run';

/**
 * npm run bench:purchase -- [--url http://127.0.0.1:3000] [--connections 100] [--stock 20000]
 *   [--buyers 40000] [--limit 1] [--attempts 200000] [--duration 40] [--pay]
 *
 * Against a running stack: prints attempts/s (overall, while selling, and after the
 * sell-out, when answers come from memory), latency percentiles, with --pay paid orders/s,
 * outcome counts, the time to sell out and to drain into Postgres, and the invariants.
 * Writes the result as JSON to loadtest/results/. Exits 2 if an invariant fails.
 */
const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.BENCH_URL ?? 'http://127.0.0.1:3000' },
    connections: { type: 'string', default: '100' },
    stock: { type: 'string', default: '20000' },
    buyers: { type: 'string', default: '40000' },
    limit: { type: 'string', default: '1' },
    attempts: { type: 'string', default: '200000' },
    duration: { type: 'string', default: '40' },
    pay: { type: 'boolean', default: false },
    warmup: { type: 'string', default: '2000' },
    out: { type: 'string', default: join('loadtest', 'results') },
  },
});

async function main(): Promise<void> {
  const result = await runPurchaseBench({
    url: args.url,
    connections: Number(args.connections),
    stock: Number(args.stock),
    buyers: Number(args.buyers),
    perUserLimit: Number(args.limit),
    maxAttempts: Number(args.attempts),
    maxDurationMs: Math.min(Number(args.duration), 600) * 1000,
    pay: args.pay,
    warmupAttempts: Number(args.warmup),
    jwtSecret: localJwtSecret(),
    onProgress: (line) => process.stderr.write(`\r${line}   `),
  });
  process.stderr.write('\n');
  console.log(formatPurchaseBench(result));
  mkdirSync(args.out, { recursive: true });
  const file = join(args.out, `purchase-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`\nresults written to ${file}`);
  if (!result.invariants.every((i) => i.ok)) process.exit(2);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
