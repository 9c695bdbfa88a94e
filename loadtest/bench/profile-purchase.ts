import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { localJwtSecret } from '@flash/config';
import { benchApi, buyerTokens, chooseLoad, expectRefusal, scriptPathSale } from './bench-sales';
import {
  CpuProfile,
  Sample,
  StageCost,
  flameGraphSvg,
  foldStacks,
  frameLabel,
  samplesOf,
  stageCosts,
  stageOf,
} from './cpu-profile';
import { freePort, spawnProcess, stopProcess, waitHealthy } from './processes';

/**
 * npm run profile:purchase -- [--seconds 10] [--buyers 4000] [--connections 100]
 *   [--load wrk|node] [--dist <a build's dist directory>] [--name after] [--out docs/results/profile]
 *
 * A CPU profile of the API on the script path (every attempt runs purchase.lua and is
 * refused by the per-user limit): starts the API of a build under `node --cpu-prof`, sends
 * the load, stops the API, and keeps only the samples taken while the load ran. Prints the
 * CPU microseconds per request by stage and writes, under --out:
 *   <name>-flame.svg    a flame graph (open it in a browser; hover for each frame's share)
 *   <name>-stages.md    the stage table
 * and the raw profile to loadtest/results/ (open it in Chrome DevTools or speedscope).
 * --dist profiles another build, e.g. an older commit checked out and built elsewhere, so
 * "before" and "after" come from the same command. --target floor profiles the floor server
 * (loadtest/bench/floor-server.ts) instead, on the same sale and load.
 */
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    buyers: { type: 'string', default: '4000' },
    connections: { type: 'string', default: '100' },
    load: { type: 'string' },
    dist: { type: 'string', default: join(__dirname, '..', '..') },
    name: { type: 'string', default: 'purchase' },
    target: { type: 'string', default: 'api' },
    out: { type: 'string', default: join('docs', 'results', 'profile') },
  },
});

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const dist = resolve(args.dist);
  const profileDir = mkdtempSync(join(tmpdir(), 'purchase-profile-'));
  const env = { ...(process.env as Record<string, string>), HOST: '127.0.0.1' };
  const port = await freePort();
  const node = (main: string, extra: string[], more: Record<string, string>) =>
    spawnProcess(process.execPath, ['--max-semi-space-size=32', ...extra, main], {
      ...env,
      ...more,
    });
  const profiled = ['--cpu-prof', '--cpu-prof-dir', profileDir];
  const floor = args.target === 'floor';
  const api = node(join(dist, 'apps', 'api', 'src', 'main.js'), floor ? [] : profiled, {
    PORT: String(port),
  });
  const worker = node(join(dist, 'apps', 'worker', 'src', 'main.js'), [], {
    WORKER_METRICS_PORT: String(await freePort()),
  });
  const floorPort = await freePort();
  const floorServer = floor
    ? node(join(__dirname, 'floor-server.js'), profiled, { PORT: String(floorPort) })
    : undefined;
  let window: LoadWindow | undefined;
  try {
    const apiUrl = new URL(`http://127.0.0.1:${port}`);
    await waitHealthy(api, apiUrl.origin);
    const url = floorServer ? new URL(`http://127.0.0.1:${floorPort}`) : apiUrl;
    if (floorServer) await waitHealthy(floorServer, url.origin);
    const bench = benchApi(apiUrl, localJwtSecret());
    const load = chooseLoad(args.load);
    const tokens = buyerTokens(bench, load, Number(args.buyers), 'profile-');
    const saleId = await scriptPathSale(bench, tokens, Number(args.connections));
    await expectRefusal(url, saleId, tokens[0], 'LIMIT_REACHED');
    const burst = (durationMs: number) =>
      load.send({
        url,
        saleId,
        tokens,
        connections: Number(args.connections),
        durationMs,
        maxAttempts: 10_000_000,
      });
    await burst(3000); // compiled and warm before the window opens
    const fromUs = monotonicUs();
    const measured = await burst(Number(args.seconds) * 1000);
    window = { fromUs, toUs: monotonicUs(), requests: measured.attempts };
    console.log(
      `${measured.attempts} attempts, ${Math.round(measured.perSecond)}/s, p99 ${measured.p99Ms.toFixed(1)} ms, ${JSON.stringify(measured.statuses)}`,
    );
    await expectRefusal(url, saleId, tokens[0], 'LIMIT_REACHED');
    await bench.http.close();
  } finally {
    // SIGTERM lets the profiled process exit normally, which is when Node writes the profile.
    await Promise.all([stopProcess(api), stopProcess(worker), stopProcess(floorServer)]);
  }
  if (window) analyse(profileDir, window);
}

interface LoadWindow {
  fromUs: number;
  toUs: number;
  requests: number;
}

function analyse(profileDir: string, window: LoadWindow): void {
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`the API wrote no profile in ${profileDir}`);
  const raw = readFileSync(join(profileDir, file), 'utf8');
  const profile = JSON.parse(raw) as CpuProfile;
  const samples = samplesOf(profile, window.fromUs, window.toUs);
  if (samples.length === 0) throw new Error('no samples fell inside the load window');
  const costs = stageCosts(samples, window.requests);
  const table = `${stageTable(costs, window)}\n\n${hotFunctions(samples, window.requests)}`;
  console.log(`\n${table}\n`);

  mkdirSync(args.out, { recursive: true });
  mkdirSync(join('loadtest', 'results'), { recursive: true });
  const rawCopy = join('loadtest', 'results', `${args.name}.cpuprofile`);
  writeFileSync(rawCopy, raw);
  const title = `${args.target === 'floor' ? 'Floor server' : 'API'} purchase, script path: ${window.requests} attempts in ${((window.toUs - window.fromUs) / 1e6).toFixed(1)} s (${args.name})`;
  writeFileSync(
    join(args.out, `${args.name}-flame.svg`),
    flameGraphSvg(foldStacks(samples), title),
  );
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  writeFileSync(
    join(args.out, `${args.name}-stages.md`),
    `# Purchase profile: ${args.name}\n\nRecorded ${new Date().toISOString()} on ${machine} with ` +
      `\`npm run profile:purchase -- --name ${args.name}${args.target === 'floor' ? ' --target floor' : ''}\`. The flame graph of the same window: ` +
      `[${args.name}-flame.svg](${args.name}-flame.svg).\n\n${table}\n`,
  );
  console.log(`flame graph: ${join(args.out, `${args.name}-flame.svg`)}; raw profile: ${rawCopy}`);
}

/** The three costliest functions (self time) of each stage, for reading the table. */
function hotFunctions(samples: Sample[], requests: number): string {
  const byStage = new Map<string, Map<string, number>>();
  for (const s of samples) {
    const stage = stageOf(s.stack);
    const leaf = s.stack.length ? frameLabel(s.stack[s.stack.length - 1]) : '(no stack)';
    const fns = byStage.get(stage) ?? new Map<string, number>();
    fns.set(leaf, (fns.get(leaf) ?? 0) + s.us);
    byStage.set(stage, fns);
  }
  const rows = [...byStage]
    .filter(([stage]) => stage !== 'idle' && stage !== 'garbage collection')
    .map(([stage, fns]) => {
      const top = [...fns].sort((a, b) => b[1] - a[1]).slice(0, 3);
      return `| ${stage} | ${top.map(([f, us]) => `\`${f}\` ${(us / requests).toFixed(1)}`).join('<br>')} |`;
    });
  return ['| stage | costliest functions (self µs per request) |', '| --- | --- |', ...rows].join(
    '\n',
  );
}

function stageTable(costs: StageCost[], window: LoadWindow): string {
  const busy = costs.filter((c) => c.stage !== 'idle');
  const cpuUs = busy.reduce((sum, c) => sum + c.usPerRequest, 0);
  const rows = costs.map(
    (c) => `| ${c.stage} | ${c.usPerRequest.toFixed(1)} | ${(100 * c.share).toFixed(1)} % |`,
  );
  return [
    `${window.requests} requests in ${((window.toUs - window.fromUs) / 1e6).toFixed(1)} s; ` +
      `the API's main thread spent ${cpuUs.toFixed(1)} µs of CPU per request.`,
    '',
    '| stage | µs per request | share of the window |',
    '| --- | --: | --: |',
    ...rows,
  ].join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
