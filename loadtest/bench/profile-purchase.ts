import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { localJwtSecret } from '@flash/config';
import { Spread, formatSpread, machineDescription, spreadOf } from './bench-support';
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
import { RunningProcess, freePort, spawnProcess, stopProcess, waitHealthy } from './processes';

/**
 * npm run profile:purchase -- [--seconds 10] [--rounds 1] [--buyers 4000] [--connections 100]
 *   [--load wrk|node] [--target api|floor] [--compare <an older build's dist>] [--out DIR]
 *
 * Where a purchase's CPU goes, on the script path (every attempt runs purchase.lua and is
 * refused by the per-user limit). Starts the API of this build under `node --cpu-prof`, sends
 * the load, stops it, and keeps the samples taken while the load ran. The process's own CPU
 * time over the same window (user + system, every thread, from /proc) divided by the requests
 * is the CPU per request; each stage gets its share of the busy samples. CPU time, unlike the
 * profile's wall-clock samples, does not grow when the two cores are contended.
 *
 * --compare DIR profiles another build too (an older commit checked out and built elsewhere),
 * alternating the two for --rounds rounds: "before" and "after" from one command, medians
 * and ranges per stage. --target floor profiles the floor server instead of the API.
 * Writes under --out (docs/results/profile): <name>-flame.svg for the last round of each
 * build, and profile.md with the tables; the raw profiles go to loadtest/results/ (open them
 * in Chrome DevTools or speedscope).
 */
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '1' },
    buyers: { type: 'string', default: '4000' },
    connections: { type: 'string', default: '100' },
    load: { type: 'string' },
    target: { type: 'string', default: 'api' },
    compare: { type: 'string' },
    out: { type: 'string', default: join('docs', 'results', 'profile') },
  },
});

interface Build {
  name: string;
  dist: string;
}

interface ProfileRun {
  requests: number;
  perSecond: number;
  windowUs: number;
  /** The profiled process's CPU (user + system, all threads) per request, µs. */
  cpuUsPerRequest: number;
  costs: StageCost[];
  samples: Sample[];
  raw: string;
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** user + system CPU of a process so far, µs (Linux /proc; clock ticks of 10 ms). */
function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

async function main(): Promise<void> {
  const builds: Build[] = [
    { name: args.target === 'floor' ? 'floor' : 'after', dist: thisBuild() },
  ];
  if (args.compare) builds.unshift({ name: 'before', dist: resolve(args.compare) });
  const runs = new Map<string, ProfileRun[]>(builds.map((b) => [b.name, []]));
  for (let round = 0; round < Math.max(1, Number(args.rounds)); round++) {
    for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
      const run = await profileOnce(build);
      console.log(
        `round ${round + 1} ${build.name}: ${run.requests} attempts, ${Math.round(run.perSecond)}/s, ` +
          `${run.cpuUsPerRequest.toFixed(1)} µs of CPU per request`,
      );
      runs.get(build.name)?.push(run);
    }
  }
  report(builds, runs);
}

function thisBuild(): string {
  return join(__dirname, '..', '..');
}

async function profileOnce(build: Build): Promise<ProfileRun> {
  const profileDir = mkdtempSync(join(tmpdir(), 'purchase-profile-'));
  const env = { ...(process.env as Record<string, string>), HOST: '127.0.0.1' };
  const node = (main: string, extra: string[], more: Record<string, string>) =>
    spawnProcess(process.execPath, ['--max-semi-space-size=32', ...extra, main], {
      ...env,
      ...more,
    });
  const profiled = ['--cpu-prof', '--cpu-prof-dir', profileDir];
  const floor = args.target === 'floor';
  const ports = { api: await freePort(), floor: await freePort(), worker: await freePort() };
  const api = node(join(build.dist, 'apps', 'api', 'src', 'main.js'), floor ? [] : profiled, {
    PORT: String(ports.api),
  });
  const worker = node(join(build.dist, 'apps', 'worker', 'src', 'main.js'), [], {
    WORKER_METRICS_PORT: String(ports.worker),
  });
  const floorServer = floor
    ? node(join(thisBuild(), 'loadtest', 'bench', 'floor-server.js'), profiled, {
        PORT: String(ports.floor),
      })
    : undefined;
  const target = floorServer ?? api;
  let measured: Omit<ProfileRun, 'costs' | 'samples' | 'raw'> & { fromUs: number; toUs: number };
  try {
    measured = await loadWindow(api, ports.api, floorServer, ports.floor, target);
  } finally {
    // SIGTERM lets the profiled process exit normally, which is when Node writes the profile.
    await Promise.all([stopProcess(api), stopProcess(worker), stopProcess(floorServer)]);
  }
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`${build.name}: no profile was written in ${profileDir}`);
  const raw = readFileSync(join(profileDir, file), 'utf8');
  const samples = samplesOf(JSON.parse(raw) as CpuProfile, measured.fromUs, measured.toUs);
  if (samples.length === 0) throw new Error('no samples fell inside the load window');
  return { ...measured, costs: stageCosts(samples, measured.requests), samples, raw };
}

async function loadWindow(
  api: RunningProcess,
  apiPort: number,
  floorServer: RunningProcess | undefined,
  floorPort: number,
  target: RunningProcess,
) {
  const apiUrl = new URL(`http://127.0.0.1:${apiPort}`);
  await waitHealthy(api, apiUrl.origin);
  const url = floorServer ? new URL(`http://127.0.0.1:${floorPort}`) : apiUrl;
  if (floorServer) await waitHealthy(floorServer, url.origin);
  const bench = benchApi(apiUrl, localJwtSecret());
  try {
    const load = chooseLoad(args.load);
    const tokens = buyerTokens(bench, load, Number(args.buyers), 'profile-');
    const saleId = await scriptPathSale(bench, tokens, Number(args.connections));
    await expectRefusal(url, saleId, tokens[0], 'LIMIT_REACHED');
    const send = (durationMs: number) =>
      load.send({
        url,
        saleId,
        tokens,
        connections: Number(args.connections),
        durationMs,
        maxAttempts: 10_000_000,
      });
    await send(3000); // compiled and warm before the window opens
    const pid = target.child.pid ?? 0;
    const cpuBefore = processCpuUs(pid);
    const fromUs = monotonicUs();
    const burst = await send(Number(args.seconds) * 1000);
    const toUs = monotonicUs();
    const cpuUs = processCpuUs(pid) - cpuBefore;
    await expectRefusal(url, saleId, tokens[0], 'LIMIT_REACHED');
    return {
      requests: burst.attempts,
      perSecond: burst.perSecond,
      windowUs: toUs - fromUs,
      cpuUsPerRequest: cpuUs / burst.attempts,
      fromUs,
      toUs,
    };
  } finally {
    await bench.http.close();
  }
}

/**
 * A stage's CPU per request: its share of the samples in which the process was busy (idle
 * left out), times the process's measured CPU per request.
 */
function stageCpu(run: ProfileRun): Map<string, number> {
  const busy = run.costs.filter((c) => c.stage !== 'idle');
  const busyShare = busy.reduce((sum, c) => sum + c.share, 0);
  return new Map(busy.map((c) => [c.stage, (c.share / busyShare) * run.cpuUsPerRequest]));
}

function report(builds: Build[], runs: Map<string, ProfileRun[]>): void {
  const names = builds.map((b) => b.name);
  const perStage = (name: string) => (runs.get(name) ?? []).map(stageCpu);
  const stages = [...new Set(names.flatMap((n) => perStage(n).flatMap((m) => [...m.keys()])))];
  const spreadFor = (name: string, stage: string): Spread =>
    spreadOf(perStage(name).map((m) => m.get(stage) ?? 0));
  const totals = (name: string) => spreadOf((runs.get(name) ?? []).map((r) => r.cpuUsPerRequest));
  const rates = (name: string) => spreadOf((runs.get(name) ?? []).map((r) => r.perSecond));
  stages.sort((a, b) => spreadFor(names[0], b).median - spreadFor(names[0], a).median);
  const rounds = runs.get(names[0])?.length ?? 0;
  const table = [
    `| stage | ${names.map((n) => `${n}, µs of CPU per request`).join(' | ')} |`,
    `| --- | ${names.map(() => '--:').join(' | ')} |`,
    ...stages.map(
      (s) => `| ${s} | ${names.map((n) => formatSpread(spreadFor(n, s), 1)).join(' | ')} |`,
    ),
    `| **the process, all threads** | ${names.map((n) => `**${formatSpread(totals(n), 1)}**`).join(' | ')} |`,
    `| attempts/s while profiled | ${names.map((n) => formatSpread(rates(n), 0)).join(' | ')} |`,
  ].join('\n');
  const last = (name: string) => runs.get(name)?.at(-1);
  const hot = names
    .map((n) => `### ${n}: costliest functions\n\n${hotFunctions(last(n))}`)
    .join('\n\n');
  console.log(`\n${table}\n`);

  mkdirSync(args.out, { recursive: true });
  mkdirSync(join('loadtest', 'results'), { recursive: true });
  for (const name of names) {
    const run = last(name);
    if (!run) continue;
    writeFileSync(join('loadtest', 'results', `${name}.cpuprofile`), run.raw);
    const title = `${name}: ${args.target === 'floor' ? 'floor server' : 'API'} purchase, script path, ${run.requests} attempts in ${(run.windowUs / 1e6).toFixed(1)} s`;
    writeFileSync(
      join(args.out, `${name}-flame.svg`),
      flameGraphSvg(foldStacks(run.samples), title),
    );
  }
  const machine = machineDescription();
  const command = `npm run profile:purchase -- --rounds ${rounds}${args.compare ? ' --compare <before>/dist' : ''}${args.target === 'floor' ? ' --target floor' : ''}`;
  const page = `${args.target === 'floor' ? 'floor' : 'profile'}.md`;
  writeFileSync(
    join(args.out, page),
    `# Where a purchase's CPU goes\n\nRecorded ${new Date().toISOString()} on ${machine} with ` +
      `\`${command}\`: ${args.seconds} s of script-path load per run, median (min-max) over ` +
      `${rounds} rounds, the builds alternated. Flame graphs of each build's last round: ` +
      `${names.map((n) => `[${n}](${n}-flame.svg)`).join(', ')}.\n\n${table}\n\n${hot}\n`,
  );
  console.log(
    `written: ${join(args.out, page)} and the flame graphs; raw profiles in loadtest/results/`,
  );
}

/** The three costliest functions (self time) of each stage, for reading the table. */
function hotFunctions(run: ProfileRun | undefined): string {
  if (!run) return '';
  const byStage = new Map<string, Map<string, number>>();
  for (const s of run.samples) {
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
      const all = [...fns.values()].reduce((a, b) => a + b, 0);
      return `| ${stage} | ${top.map(([f, us]) => `\`${f}\` ${((100 * us) / all).toFixed(0)} %`).join('<br>')} |`;
    });
  return ['| stage | costliest functions (share of the stage) |', '| --- | --- |', ...rows].join(
    '\n',
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
