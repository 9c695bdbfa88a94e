import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { faultTable, meetsTargets } from './fault-table';
import { CI_SIZE, FULL_SIZE, SCENARIOS, runFault } from './scenarios';
import { PostgresServer } from './servers';
import type { FaultVerdict } from './verdict';
import { machineDescription } from '../bench/bench-support';

/**
 * npm run faults [-- --scenarios a,b,c,d30,d300,e,f,g,h] [--size full|ci] [--record [--out file]]
 *
 * Each scenario starts its own Redis and database (on an own Postgres instance, which
 * scenario d stops), the built API and worker, races a crowd of buyers for a sale, injects
 * its fault with real processes killed, and judges: acknowledged orders lost, duplicated,
 * oversold in Postgres, 500s, and how soon purchases resumed. --record writes the table to
 * docs/results/faults.md (or --out). Only loopback addresses are used; every run is bounded in time.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenarios: { type: 'string', default: SCENARIOS.map((s) => s.id).join(',') },
      size: { type: 'string', default: 'full' },
      record: { type: 'boolean', default: false },
      out: { type: 'string', default: 'docs/results/faults.md' },
    },
  });
  const wanted = values.scenarios.split(',').map((s) => s.trim());
  const unknown = wanted.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0) throw new Error(`unknown scenarios: ${unknown.join(', ')}`);
  const size = values.size === 'ci' ? CI_SIZE : FULL_SIZE;
  const pg = await PostgresServer.start();
  const verdicts: FaultVerdict[] = [];
  try {
    for (const scenario of SCENARIOS.filter((s) => wanted.includes(s.id))) {
      process.stdout.write(`${scenario.id}: ${scenario.title} ... `);
      const verdict = await runFault(scenario, size, pg);
      verdicts.push(verdict);
      const targets = meetsTargets(verdict, scenario.targets);
      console.log(targets.ok ? 'targets met' : `missed: ${targets.misses.join('; ')}`);
    }
  } finally {
    pg.destroy();
  }
  const titles = Object.fromEntries(SCENARIOS.map((s) => [s.id, s.title]));
  const table = faultTable(verdicts, titles);
  console.log(`\n${table}`);
  if (values.record) {
    const machine = machineDescription();
    const out = values.out === 'docs/results/faults.md' ? '' : ` --out ${values.out}`;
    const command = `npm run faults -- --scenarios ${wanted.join(',')} --size ${values.size} --record${out}`;
    writeFileSync(
      join(process.cwd(), values.out),
      `# Fault runs\n\nRecorded ${new Date().toISOString()} on ${machine}, with \`${command}\`.\n` +
        `Size: ${size.stock} units, ${size.buyers} buyers arriving at ${size.arrivalsPerSecond}/s, ${size.concurrency} at once` +
        (wanted.includes('c100k')
          ? ' (c100k: 100,000 units, bought as fast as 100 buyers at once can)'
          : '') +
        `.\n\n${table}\n`,
    );
  }
  const targetsOf = (id: string) => SCENARIOS.find((s) => s.id === id)?.targets;
  process.exitCode = verdicts.every((v) => meetsTargets(v, targetsOf(v.scenario)).ok) ? 0 : 1;
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exitCode = 1;
});
