import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSpread, machineDescription, spreadOf } from '../bench/bench-support';
import type { RunResult } from '../driver/run-scenario';
import { writeRunFiles } from '../driver/summary-lines';
import { OwnStack } from './own-stack';

/**
 * npm run race:shards -- [--scenario youth-2012] [--scale 1] [--shards 3] [--rounds 3]
 *   [--connections 64] [--limit 90] [--record]
 *
 * The same race, unsharded and over `--shards` inventory shards, alternated: each run on a
 * stack of its own (OwnStack: a fresh Redis, Postgres, API and worker), so that no run's
 * sales, still audited and expiring, weigh on the next. Prints each run's figures and
 * invariants, then median (min-max) per side; exits 2 if any invariant failed.
 * --record writes docs/results/shards-race.md and the last sharded run's page.
 */
const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'youth-2012' },
    scale: { type: 'string', default: '1' },
    shards: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    limit: { type: 'string', default: '90' },
    record: { type: 'boolean', default: false },
  },
});

interface RaceRun {
  shards: number;
  result: RunResult;
}

async function raceOnce(shards: number): Promise<RunResult> {
  const stack = await OwnStack.start();
  try {
    return await stack.sellOut({
      scenario: args.scenario,
      scale: Number(args.scale),
      connections: Number(args.connections),
      limitSeconds: Number(args.limit),
      shards,
    });
  } finally {
    await stack.stop();
  }
}

/** One run's line: the sell-out, the tail latency, CPU per unit by tier, the invariants. */
function runLine(run: RaceRun): string {
  const r = run.result;
  const us = (tier: string) => r.cpu?.tiers[tier]?.microsecondsPerUnit.toFixed(0) ?? 'n/a';
  const failed = r.invariants.filter((i) => !i.ok).map((i) => i.name);
  return (
    `shards ${run.shards}: ${r.unitsSold} units in ${r.sellOutSeconds?.toFixed(2) ?? 'n/a'} s, ` +
    `p99 until the sell-out ${r.sellingLatencyMs?.p99.toFixed(1) ?? 'n/a'} ms, ` +
    `transfers ${r.finalStats.shards?.transfers ?? 0}, CPU µs per unit: api ${us('api')} ` +
    `worker ${us('worker')} redis ${us('redis')} postgres ${us('postgres')}; ` +
    (failed.length === 0
      ? `all ${r.invariants.length} invariants held`
      : `FAILED: ${failed.join(', ')}`)
  );
}

/** median (min-max) of each figure, per side. */
function table(runs: RaceRun[], sides: number[]): string[] {
  const figures: [string, (r: RunResult) => number, number][] = [
    ['sell-out, s', (r) => r.sellOutSeconds ?? NaN, 2],
    ['units/s', (r) => r.unitsSold / (r.sellOutSeconds ?? Infinity), 0],
    ['p99 until the sell-out, ms', (r) => r.sellingLatencyMs?.p99 ?? NaN, 1],
    ['transfers', (r) => r.finalStats.shards?.transfers ?? 0, 0],
    ['API µs/unit', (r) => r.cpu?.tiers.api?.microsecondsPerUnit ?? NaN, 0],
    ['worker µs/unit', (r) => r.cpu?.tiers.worker?.microsecondsPerUnit ?? NaN, 0],
    ['Redis µs/unit', (r) => r.cpu?.tiers.redis?.microsecondsPerUnit ?? NaN, 0],
    ['Postgres µs/unit', (r) => r.cpu?.tiers.postgres?.microsecondsPerUnit ?? NaN, 0],
  ];
  const rows = sides.map((shards) => {
    const mine = runs.filter((r) => r.shards === shards).map((r) => r.result);
    const held = mine.filter((r) => r.invariants.every((i) => i.ok)).length;
    const cells = figures.map(([, f, digits]) => formatSpread(spreadOf(mine.map(f)), digits));
    return `| ${shards} | ${cells.join(' | ')} | ${held} of ${mine.length} |`;
  });
  return [
    `| shards | ${figures.map(([name]) => name).join(' | ')} | runs with every invariant |`,
    `| --: | ${figures.map(() => '--:').join(' | ')} | --: |`,
    ...rows,
  ];
}

async function main(): Promise<void> {
  const sides = [1, Number(args.shards)];
  const runs: RaceRun[] = [];
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const shards of sides) {
      const result = await raceOnce(shards);
      runs.push({ shards, result });
      console.log(`round ${round}, ${runLine(runs[runs.length - 1])}`);
    }
  }
  const lines = table(runs, sides);
  console.log(['', ...lines].join('\n'));
  if (args.record) record(runs, lines);
  if (runs.some((r) => !r.result.invariants.every((i) => i.ok))) process.exitCode = 2;
}

function record(runs: RaceRun[], lines: string[]): void {
  const dir = join('docs', 'results');
  const last = [...runs].reverse().find((r) => r.shards > 1)!;
  const page = `shards-race-${last.result.scenario}-shards-${last.shards}`;
  writeRunFiles(last.result, dir, page);
  const command =
    `npm run race:shards -- --scenario ${args.scenario} --scale ${args.scale}` +
    ` --shards ${args.shards} --rounds ${args.rounds} --connections ${args.connections}` +
    ` --limit ${args.limit} --record`;
  const text = [
    `# The same race, unsharded and in ${args.shards} inventory shards`,
    '',
    `Recorded ${last.result.at} on ${machineDescription()}, with \`${command}\`.`,
    '',
    `\`${last.result.scenario}\` in max mode at scale ${args.scale}: ${last.result.units} units,`,
    `${last.result.buyers} buyers. Each run on a stack of its own (a fresh Redis, Postgres, API and`,
    'worker on loopback), the two sides alternated. CPU per unit is process CPU from /proc',
    'between the opening and the sell-out, divided by the units sold. One Redis serves every',
    'shard here, so this shows what shards cost and that every invariant holds with them; what',
    'they buy, spread over the primaries of a cluster, is in [shards.md](shards.md).',
    '',
    ...lines,
    '',
    'Each run:',
    '',
    ...runs.map((r, i) => `${i + 1}. ${runLine(r)}`),
    '',
    `The last sharded run's page: [${page}.html](${page}.html).`,
    '',
  ];
  writeFileSync(join(dir, 'shards-race.md'), text.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
