import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localJwtSecret } from '@flash/config';
import type { RunProofOfWork } from './crowd-cohort';
import { Mode, runScenario } from './run-scenario';
import { summaryLines, writeRunFiles } from './summary-lines';
import { loadScenarioFile, resolveScenario, runLimitSeconds } from './scenario';
import { COMPOSE_API_URL, COMPOSE_DATABASE_URL, checkOrdersReadable } from './targets';

/**
 * npm run loadtest -- --scenario youth-2012 --mode max [--scale 0.1] [--time-scale 1]
 *   [--connections 64] [--limit 600] [--warmup 5000] [--url http://127.0.0.1:3000]
 *   [--database-url URL] [--database-schema public]
 *   [--admission-rate N] [--registration-seconds N]   (scenarios with the sale mechanics)
 *   [--bare]   the same crowd without the scenario's mechanisms (the naive strategy has none)
 *   [--shards N]   split the sale's stock over N inventory shards (hot-SKU shards)
 *   [--first-come]   a waiting room without a pre-queue: the line opens at the opening
 *   [--pre-queue-seconds S]   the pre-queue's window before the opening (3)
 *   [--pow-difficulty D [--pow-server-difficulty 8] [--pow-lifetime 30]]   proof of work on
 *              registration and queue joins: the server checks D_server bits, each simulated
 *              device is charged the time of D (scenarios with a `bots` block; see
 *              docs/bot-defence.md)
 *
 * By default it targets the compose stack (API on 127.0.0.1:3000, Postgres `flash` with the
 * compose password); LOADTEST_URL, DATABASE_URL and DATABASE_SCHEMA point it elsewhere.
 *
 * Runs a historic sale from loadtest/scenarios.json against a running stack and prints
 * the summary; writes it to loadtest/results/ as JSON, an SVG chart and an HTML page.
 * Exits 2 if an invariant fails. --time-scale shortens a historic run (and, in both modes,
 * the buyers' payment delays).
 */
const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'youth-2012' },
    mode: { type: 'string', default: 'max' },
    url: { type: 'string', default: process.env.LOADTEST_URL ?? COMPOSE_API_URL },
    scale: { type: 'string', default: '1' },
    'time-scale': { type: 'string', default: '1' },
    connections: { type: 'string', default: '64' },
    limit: { type: 'string' },
    warmup: { type: 'string', default: '5000' },
    'admission-rate': { type: 'string' },
    'registration-seconds': { type: 'string' },
    bare: { type: 'boolean', default: false },
    shards: { type: 'string', default: '1' },
    'first-come': { type: 'boolean', default: false },
    'pre-queue-seconds': { type: 'string' },
    'pow-difficulty': { type: 'string' },
    'pow-server-difficulty': { type: 'string', default: '8' },
    'pow-lifetime': { type: 'string', default: '30' },
    out: { type: 'string', default: join('loadtest', 'results') },
    'database-url': {
      type: 'string',
      default: process.env.DATABASE_URL ?? COMPOSE_DATABASE_URL,
    },
    'database-schema': { type: 'string', default: process.env.DATABASE_SCHEMA ?? 'public' },
  },
});

async function main(): Promise<void> {
  if (args.mode !== 'historic' && args.mode !== 'max')
    throw new Error('--mode must be historic or max');
  const mode: Mode = args.mode;
  const resolved = resolveScenario(loadScenarioFile(), args.scenario);
  // The naive baseline models the bare purchase only: --bare runs the crowd without the gates.
  const scenario = args.bare ? { ...resolved, mechanics: null } : resolved;
  const scale = Number(args.scale);
  const timeScale = Number(args['time-scale']);
  if (!(scale > 0 && scale <= 1)) throw new Error('--scale must be in (0, 1]');
  if (!(timeScale > 0 && timeScale <= 1)) throw new Error('--time-scale must be in (0, 1]');
  const limitSeconds = runLimitSeconds(
    mode,
    scenario.targetSellOutSeconds * timeScale,
    args.limit === undefined ? undefined : Number(args.limit),
  );
  const database = { url: args['database-url'], schema: args['database-schema'] };
  await checkOrdersReadable(database);
  console.log(
    `${scenario.title}\nmode ${mode}, scale ${scale}, ${args.connections} connections, limit ${limitSeconds} s`,
  );

  const result = await runScenario({
    url: args.url,
    scenario,
    mode,
    scale,
    timeScale,
    connections: Number(args.connections),
    limitSeconds,
    warmupRequests: Number(args.warmup),
    admissionRate: optionalPositive(args['admission-rate'], '--admission-rate'),
    registrationSeconds: optionalPositive(args['registration-seconds'], '--registration-seconds'),
    shards: optionalPositive(args.shards, '--shards'),
    preQueue: !args['first-come'],
    preQueueSeconds: optionalPositive(args['pre-queue-seconds'], '--pre-queue-seconds'),
    proofOfWork: proofOfWorkOption(),
    jwtSecret: localJwtSecret(),
    database,
    onProgress: (p) =>
      process.stderr.write(
        `\r${p.t.toFixed(1)} s  ${p.attempts} attempts  ${p.sold}/${p.units} sold  ${p.queued} queued   `,
      ),
  });
  process.stderr.write('\n');
  console.log(summaryLines(result).join('\n'));
  const base = writeRunFiles(result, args.out);
  console.log(`results written to ${base}.json, .svg and .html`);
  if (!result.invariants.every((i) => i.ok)) process.exit(2);
}

function proofOfWorkOption(): RunProofOfWork | undefined {
  const difficulty = optionalPositive(args['pow-difficulty'], '--pow-difficulty');
  if (difficulty === undefined) return undefined;
  return {
    difficulty,
    serverDifficulty: optionalPositive(args['pow-server-difficulty'], '--pow-server-difficulty')!,
    lifetimeSeconds: optionalPositive(args['pow-lifetime'], '--pow-lifetime')!,
  };
}

function optionalPositive(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0)) throw new Error(`${name} must be a positive number`);
  return n;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
