import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { machineDescription } from '../bench/bench-support';
import { OwnStack } from './own-stack';

/**
 * npm run capacity -- [--scenario youth-2012] [--scale 0.2] [--connections 64] [--record]
 *
 * The CPU each tier spends per unit sold, for docs/capacity.md: the driver sells the
 * scenario in max mode against a stack of its own on loopback (a Redis server and a Postgres
 * instance started here, the built API, the worker), with the outbox relay in a process of
 * its own (an API instance that takes no traffic) so that its CPU is counted apart from the
 * API's. Process CPU from /proc over the selling window, per unit sold, by tier.
 */
const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'youth-2012' },
    scale: { type: 'string', default: '0.2' },
    connections: { type: 'string', default: '64' },
    limit: { type: 'string', default: '180' },
    record: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  const stack = await OwnStack.start({ relayApart: true });
  try {
    const result = await stack.sellOut({
      scenario: args.scenario,
      scale: Number(args.scale),
      connections: Number(args.connections),
      limitSeconds: Number(args.limit),
    });
    const failed = result.invariants.filter((i) => !i.ok);
    const cpu = result.cpu;
    if (!cpu) throw new Error('no CPU figures: this machine has no /proc');
    const rows = ['api', 'relay', 'worker', 'redis', 'postgres', 'driver'].map((tier) => {
      const t = cpu.tiers[tier];
      return `| ${tier} | ${t.cores.toFixed(2)} | ${t.microsecondsPerUnit.toFixed(0)} |`;
    });
    const table = [
      '| tier | cores kept busy | CPU µs per unit sold |',
      '| --- | --: | --: |',
      ...rows,
    ].join('\n');
    const summary =
      `${result.units} units sold in ${result.sellOutSeconds?.toFixed(2) ?? 'n/a'} s ` +
      `(${Math.round(result.units / (result.sellOutSeconds ?? Infinity))} units/s), ` +
      `${result.attempts} requests; the machine ${cpu.machineCores.toFixed(2)} cores busy; ` +
      (failed.length === 0
        ? 'every invariant held'
        : `FAILED: ${failed.map((i) => i.name).join(', ')}`);
    console.log(`${summary}\n\n${table}`);
    if (args.record) {
      const command = `npm run capacity -- --scenario ${args.scenario} --scale ${args.scale} --connections ${args.connections} --limit ${args.limit} --record`;
      writeFileSync(
        'docs/results/capacity-run.md',
        [
          '# CPU per unit sold, by tier',
          '',
          `Recorded ${result.at} on ${machineDescription()}, with \`${command}\`.`,
          '',
          `\`${result.scenario}\` in max mode at scale ${result.scale}: ${summary}. The relay ran in an API`,
          'process of its own that took no requests; "api" is the purchase path alone. Process CPU',
          'from /proc between the opening and the sell-out, divided by the units sold (so each',
          "tier's share of refusals, replays and payments is in it).",
          '',
          table,
          '',
        ].join('\n'),
      );
    }
    if (failed.length > 0) process.exitCode = 2;
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
