import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineDescription } from '../bench/bench-support';
import type { RunProgress, RunResult } from '../driver/run-scenario';
import { runScenario } from '../driver/run-scenario';
import { loadScenarioFile, resolveScenario, runLimitSeconds } from '../driver/scenario';
import { summaryLines, writeRunFiles } from '../driver/summary-lines';
import { ClusterTopology } from '../faults/cluster-topology';
import { FaultStack, ServedBy } from '../faults/fault-stack';
import { PostgresServer } from '../faults/servers';

/**
 * npm run scale -- [--scenario youth-2012-queue] [--mode max] [--scale 0.1] [--connections 64]
 *   [--admission-rate 3000] [--apis 3] [--workers 2] [--kill-at 0.33] [--limit 120]
 *   [--shards 1] [--record]
 *
 * The compose profile `scale`, on loopback: a 6-node Redis Cluster (3 primaries, 3 replicas),
 * Postgres, N built API processes behind HAProxy (Debian's package, the configuration compose
 * mounts) and M workers. The load driver runs the scenario through the balancer; once the
 * share `--kill-at` of the units is sold, one API instance is killed with kill -9 (0 kills
 * none). The driver's invariants are then checked as in any run, and the balancer's
 * statistics say how the traffic spread and what the killed instance left behind.
 * --shards splits the sale over inventory shards (hot-SKU shards) spread over the primaries.
 * --record writes docs/results/scale.md (scale-shards-N.md with shards) and the run's page.
 */
const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'youth-2012-queue' },
    mode: { type: 'string', default: 'max' },
    scale: { type: 'string', default: '0.1' },
    'time-scale': { type: 'string', default: '0.05' },
    connections: { type: 'string', default: '64' },
    // Admissions per second for a waiting-room scenario: enough to sell out in seconds.
    'admission-rate': { type: 'string', default: '3000' },
    apis: { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
    'kill-at': { type: 'string', default: '0.33' },
    limit: { type: 'string', default: '120' },
    shards: { type: 'string', default: '1' },
    record: { type: 'boolean', default: false },
  },
});

interface Kill {
  instance: string;
  atSecond: number;
  soldBefore: number;
}

async function main(): Promise<void> {
  const mode = args.mode === 'historic' ? 'historic' : 'max';
  const scenario = resolveScenario(loadScenarioFile(), args.scenario);
  const scale = Number(args.scale);
  const timeScale = Number(args['time-scale']);
  const killAt = Number(args['kill-at']);
  const instances = { apis: Number(args.apis), workers: Number(args.workers) };
  if (!(instances.apis >= 2)) throw new Error('--apis must be at least 2 (one is killed)');
  if (!(killAt >= 0 && killAt < 1)) throw new Error('--kill-at must be in [0, 1)');

  const pg = await PostgresServer.start();
  const cluster = await ClusterTopology.start().catch((err: Error) => {
    pg.destroy();
    throw err;
  });
  let stack: FaultStack | undefined;
  try {
    stack = await FaultStack.start({
      databaseUrl: pg.url(),
      env: { REDIS_CLUSTER_NODES: cluster.nodes },
      instances,
    });
    console.log(
      `${scenario.title}\n${instances.apis} APIs behind HAProxy (${stack.baseUrl}), ` +
        `${instances.workers} workers, Redis Cluster of 3 primaries and 3 replicas` +
        (Number(args.shards) > 1 ? `, the sale in ${args.shards} inventory shards` : ''),
    );
    let kill: Kill | undefined;
    const killer = (p: RunProgress) => {
      process.stderr.write(`\r${p.t.toFixed(1)} s  ${p.sold}/${p.units} sold   `);
      if (kill || killAt === 0 || p.sold < p.units * killAt) return;
      kill = { instance: `api${instances.apis}`, atSecond: p.t, soldBefore: p.sold };
      stack!.killApi(instances.apis - 1).catch(() => undefined);
    };
    const result = await runScenario({
      url: stack.baseUrl,
      scenario,
      mode,
      scale,
      timeScale,
      connections: Number(args.connections),
      limitSeconds: runLimitSeconds(
        mode,
        scenario.targetSellOutSeconds * timeScale,
        Number(args.limit),
      ),
      warmupRequests: 2000,
      admissionRate: Number(args['admission-rate']),
      shards: Number(args.shards),
      jwtSecret: stack.jwtSecret,
      database: { url: pg.url(), schema: 'public' },
      onProgress: killer,
    });
    process.stderr.write('\n');
    const served = await stack.balancer!.servedBy();
    const lines = [
      ...summaryLines(result),
      'served by (HAProxy statistics):',
      ...served.map(
        (s) =>
          `  ${s.server} ${s.status.padEnd(5)} ${s.requests} requests, 2xx ${s.responses2xx}, ` +
          `4xx ${s.responses4xx}, 5xx ${s.responses5xx}, cut off ${s.responseErrors}`,
      ),
      kill
        ? `killed ${kill.instance} (kill -9) at ${kill.atSecond.toFixed(1)} s, ${kill.soldBefore} units sold`
        : 'no instance killed',
    ];
    console.log(lines.join('\n'));
    if (args.record) record(result, served, kill, instances);
    if (!result.invariants.every((i) => i.ok)) process.exitCode = 2;
  } finally {
    await stack?.stop();
    await cluster.stop();
    pg.destroy();
  }
}

function record(
  result: RunResult,
  served: ServedBy[],
  kill: Kill | undefined,
  instances: { apis: number; workers: number },
): void {
  const dir = join('docs', 'results');
  const shards = Number(args.shards);
  const suffix = shards > 1 ? `-shards-${shards}` : '';
  const name = `scale-${result.scenario}-${result.mode}${suffix}`;
  writeRunFiles(result, dir, name);
  const command =
    `npm run scale -- --scenario ${args.scenario} --mode ${args.mode} --scale ${args.scale}` +
    ` --time-scale ${args['time-scale']} --connections ${args.connections}` +
    ` --admission-rate ${args['admission-rate']} --apis ${args.apis}` +
    ` --workers ${args.workers} --kill-at ${args['kill-at']} --limit ${args.limit}` +
    (shards > 1 ? ` --shards ${shards}` : '') +
    ' --record';
  const table = [
    '| instance | status after | requests | 2xx | 4xx | 5xx | responses cut off |',
    '| --- | --- | --: | --: | --: | --: | --: |',
    ...served.map(
      (s) =>
        `| ${s.server} | ${s.status} | ${s.requests} | ${s.responses2xx} | ${s.responses4xx} | ${s.responses5xx} | ${s.responseErrors} |`,
    ),
  ];
  const text = [
    '# Several API instances behind HAProxy, one killed mid-sale',
    '',
    `Recorded ${result.at} on ${machineDescription()}, with \`${command}\`.`,
    '',
    `A 6-node Redis Cluster (3 primaries, 3 replicas), Postgres, ${instances.apis} API processes`,
    `behind HAProxy and ${instances.workers} workers, all on loopback; the load driver ran`,
    `\`${result.scenario}\` in \`${result.mode}\` mode at scale ${result.scale} through the balancer` +
      (shards > 1 ? `, the sale split over ${shards} inventory shards.` : '.'),
    kill
      ? `${kill.instance} was killed with \`kill -9\` at ${kill.atSecond.toFixed(1)} s, when ${kill.soldBefore} of ${result.units} units were sold.`
      : 'No instance was killed.',
    '',
    'Every process shares the same cores here, so this run shows what happens when an instance',
    'dies, not what the topology can sell: 6 Redis servers, 3 APIs, 2 workers and the balancer',
    'take more CPU per unit than one of each.',
    '',
    ...reading(result),
    '',
    '```',
    ...summaryLines(result),
    '```',
    '',
    '## How the balancer spread the traffic',
    '',
    ...table,
    '',
    `The run's page: [${name}.html](${name}.html).`,
    '',
  ];
  writeFileSync(join(dir, `scale${suffix}.md`), text.join('\n'));
}

/** What the run shows about the kill, in words. */
function reading(result: RunResult): string[] {
  const failed = result.invariants.filter((i) => !i.ok).map((i) => i.name);
  const q = result.mechanics?.queue;
  const dropped = Object.entries(result.outcomes)
    .filter(([k]) => k === 'network_error' || k.startsWith('dropped_'))
    .reduce((n, [, v]) => n + v, 0);
  return [
    failed.length === 0
      ? `- Every invariant held: ${result.unitsSold} units sold, none oversold, each accepted order one row in Postgres, no buyer over the limit.`
      : `- Invariants FAILED: ${failed.join(', ')}.`,
    `- ${dropped} requests lost their connection or got the balancer's 502/504 when the instance died; the buyers sent each again with the same Idempotency-Key, and every 202 matched a live unit.`,
    ...(q
      ? [
          `- ${q.sseReconnects} server-sent-event streams broke off and were opened again through the balancer, on a surviving instance (${q.followers} buyers followed their ticket over SSE).`,
        ]
      : []),
  ];
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
