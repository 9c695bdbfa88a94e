import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineDescription, spreadOf } from '../bench/bench-support';
import type { RunProofOfWork } from '../driver/crowd-cohort';
import type { FairnessFigures } from '../driver/fairness';
import { fairnessChart } from '../driver/fairness-chart';
import type { RunResult } from '../driver/run-scenario';
import { loadScenarioFile, resolveScenario } from '../driver/scenario';
import { writeRunFiles } from '../driver/summary-lines';
import type { ResolvedScenario } from '../model/types';
import { OwnStack } from './own-stack';

/**
 * npm run fairness -- [--scenario youth-2012-queue-bots] [--scale 0.02] [--time-scale 0.1]
 *   [--rounds 1] [--pow-difficulty 20] [--pow-server-difficulty 8] [--pow-lifetime 30]
 *   [--pre-queue-seconds 10]
 *   [--connections 256] [--limit 120] [--lines bare,first-come,shuffled,shuffled-pow] [--record]
 *
 * One crowd with its bot cohort, sold four ways, each run on a stack of its own:
 *   bare          no waiting room: a race for the purchase itself
 *   first-come    a waiting room that opens at the opening, first come first served
 *   shuffled      a waiting room whose pre-queue is shuffled at the opening
 *   shuffled-pow  the same, each queue join paying a proof of work
 * The scenario keeps only its waiting room (no appointments, no F-codes), so the line is the
 * only thing that differs. Prints, per run, who won against who came; with --record writes
 * docs/results/fairness.md, the chart, and each run's page.
 */
const DEFENCE_NAMES = ['bare', 'first-come', 'shuffled', 'shuffled-pow'] as const;

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'youth-2012-queue-bots' },
    scale: { type: 'string', default: '0.02' },
    'time-scale': { type: 'string', default: '0.1' },
    rounds: { type: 'string', default: '1' },
    'pow-difficulty': { type: 'string', default: '20' },
    'pre-queue-seconds': { type: 'string', default: '10' },
    'pow-server-difficulty': { type: 'string', default: '8' },
    'pow-lifetime': { type: 'string', default: '30' },
    connections: { type: 'string', default: '256' },
    limit: { type: 'string', default: '120' },
    lines: { type: 'string', default: DEFENCE_NAMES.join(',') },
    record: { type: 'boolean', default: false },
  },
});

type Defence = (typeof DEFENCE_NAMES)[number];
const DEFENCES = DEFENCE_NAMES.filter((d) => args.lines.split(',').includes(d));

interface FairRun {
  defence: Defence;
  result: RunResult;
}

const pow: RunProofOfWork = {
  difficulty: Number(args['pow-difficulty']),
  serverDifficulty: Number(args['pow-server-difficulty']),
  lifetimeSeconds: Number(args['pow-lifetime']),
};

/** The scenario as the defence sells it: the waiting room alone, or nothing. */
function scenarioFor(defence: Defence, s: ResolvedScenario): ResolvedScenario {
  const room = s.mechanics?.waitingRoom;
  if (!room) throw new Error(`${s.name} has no waiting room to compare`);
  if (!s.bots) throw new Error(`${s.name} has no bot cohort`);
  return { ...s, mechanics: defence === 'bare' ? null : { waitingRoom: room } };
}

async function runOnce(defence: Defence, s: ResolvedScenario): Promise<RunResult> {
  const stack = await OwnStack.start({
    env: { POW_CHALLENGE_TTL_MS: String(pow.lifetimeSeconds * 1000) },
  });
  try {
    return await stack.run({
      scenario: scenarioFor(defence, s),
      mode: 'historic',
      scale: Number(args.scale),
      timeScale: Number(args['time-scale']),
      connections: Number(args.connections),
      limitSeconds: Number(args.limit),
      warmupRequests: 2000,
      preQueue: defence !== 'first-come',
      preQueueSeconds: Number(args['pre-queue-seconds']),
      ...(defence === 'shuffled-pow' ? { proofOfWork: pow } : {}),
    });
  } finally {
    await stack.stop();
  }
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

function runLine(run: FairRun): string {
  const f = run.result.fairness!;
  const failed = run.result.invariants.filter((i) => !i.ok).map((i) => i.name);
  return (
    `${run.defence}: bots ${pct(f.botShareOfCrowd)} of the crowd` +
    `${f.botShareBeforeOpening === null ? '' : `, ${pct(f.botShareBeforeOpening)} of those in before the opening`}` +
    `, ${pct(f.botShareOfUnits)} of the winners (a fair draw: ${pct(f.fairBand[0])}-${pct(f.fairBand[1])}); ` +
    `win chance people ${pct(f.winChance.people)}, bots ${pct(f.winChance.bots)}; ` +
    `Kendall tau arrival/win ${f.arrivalVsWin.toFixed(3)}` +
    `${f.arrivalVsWinBeforeOpening === null ? '' : ` (${f.arrivalVsWinBeforeOpening.toFixed(3)} among those in before the opening)`}` +
    `${f.arrivalVsAdmission === null ? '' : `, arrival/admission ${f.arrivalVsAdmission.toFixed(3)}`}; ` +
    `${run.result.unitsSold} units; ` +
    (failed.length === 0
      ? `all ${run.result.invariants.length} invariants held`
      : `FAILED: ${failed.join(', ')}`)
  );
}

function table(runs: FairRun[]): string[] {
  const figures: [string, (f: FairnessFigures) => number, (v: number) => string][] = [
    ['bots in the crowd', (f) => f.botShareOfCrowd, pct],
    ['bots in before the opening', (f) => f.botShareBeforeOpening ?? NaN, pct],
    ['bots among the winners', (f) => f.botShareOfUnits, pct],
    ['a fair draw, up to', (f) => f.fairBand[1], pct],
    ["a person's chance", (f) => f.winChance.people, pct],
    ["a bot's chance", (f) => f.winChance.bots, pct],
    ['tau, arrival/win', (f) => f.arrivalVsWin, (v) => v.toFixed(3)],
    [
      'tau, arrival/win, in before the opening',
      (f) => f.arrivalVsWinBeforeOpening ?? NaN,
      (v) => v.toFixed(3),
    ],
    ['tau, arrival/admission', (f) => f.arrivalVsAdmission ?? NaN, (v) => v.toFixed(3)],
  ];
  const rows = DEFENCES.map((defence) => {
    const mine = runs.filter((r) => r.defence === defence).map((r) => r.result);
    const cells = figures.map(([, get, format]) => {
      const s = spreadOf(mine.map((r) => get(r.fairness!)));
      if (Number.isNaN(s.median)) return 'n/a';
      return mine.length === 1
        ? format(s.median)
        : `${format(s.median)} (${format(s.min)}-${format(s.max)})`;
    });
    const held = mine.filter((r) => r.invariants.every((i) => i.ok)).length;
    return `| ${defence} | ${cells.join(' | ')} | ${held} of ${mine.length} |`;
  });
  return [
    `| line | ${figures.map(([name]) => name).join(' | ')} | runs with every invariant |`,
    `| --- | ${figures.map(() => '--:').join(' | ')} | --: |`,
    ...rows,
  ];
}

function decileTable(runs: FairRun[]): string[] {
  const last = DEFENCES.map((d) => [...runs].reverse().find((r) => r.defence === d)!);
  const deciles = last[0].result.fairness!.byLatencyDecile;
  return [
    `| latency decile, ms | ${DEFENCES.join(' | ')} |`,
    `| --- | ${DEFENCES.map(() => '--:').join(' | ')} |`,
    ...deciles.map(
      (d, k) =>
        `| ${d.fromMs.toFixed(0)}-${d.toMs.toFixed(0)} | ${last
          .map((r) => pct(r.result.fairness!.byLatencyDecile[k]?.winChance ?? NaN))
          .join(' | ')} |`,
    ),
  ];
}

async function main(): Promise<void> {
  const s = resolveScenario(loadScenarioFile(), args.scenario);
  const runs: FairRun[] = [];
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const defence of DEFENCES) {
      const result = await runOnce(defence, s);
      runs.push({ defence, result });
      console.log(`round ${round}, ${runLine(runs[runs.length - 1])}`);
      console.log(`  outcomes: ${JSON.stringify(result.outcomes)}`);
    }
  }
  const lines = table(runs);
  const deciles = decileTable(runs);
  console.log(['', ...lines, '', ...deciles].join('\n'));
  if (args.record) record(runs, lines, deciles);
  if (runs.some((r) => !r.result.invariants.every((i) => i.ok))) process.exitCode = 2;
}

function record(runs: FairRun[], lines: string[], deciles: string[]): void {
  const dir = join('docs', 'results');
  const pages = DEFENCES.map((defence) => {
    const last = [...runs].reverse().find((r) => r.defence === defence)!;
    const name = `fairness-${defence}`;
    writeRunFiles(last.result, dir, name);
    return `[${defence}](${name}.html)`;
  });
  writeFileSync(join(dir, 'fairness.svg'), fairnessChart(runs));
  const r = runs[0].result;
  const command =
    `npm run fairness -- --scenario ${args.scenario} --scale ${args.scale}` +
    ` --time-scale ${args['time-scale']} --rounds ${args.rounds}` +
    ` --pre-queue-seconds ${args['pre-queue-seconds']}` +
    ` --pow-difficulty ${pow.difficulty} --pow-server-difficulty ${pow.serverDifficulty}` +
    ` --pow-lifetime ${pow.lifetimeSeconds} --connections ${args.connections} --limit ${args.limit} --record`;
  const text = [
    '# Fairness: one crowd with bots, four lines',
    '',
    `Recorded ${r.at} on ${machineDescription()}, with \`${command}\`.`,
    '',
    `\`${args.scenario}\` at scale ${args.scale}, historic mode at time scale ${args['time-scale']}:`,
    `${r.units} units, ${r.buyers} buyers. Each run on a stack of its own; ${args.rounds} round(s).`,
    'How the bots and the defences are modelled, and what the figures mean:',
    '[docs/bot-defence.md](../bot-defence.md).',
    '',
    '![Bots among the winners, and the chance of winning by latency, for each line](fairness.svg)',
    '',
    ...lines,
    '',
    'The chance of winning by latency decile (people and bots together; the bots are the lower',
    'deciles, their latency being lower), in the last run of each line:',
    '',
    ...deciles,
    '',
    'Each run:',
    '',
    ...runs.map((run, i) => `${i + 1}. ${runLine(run)}`),
    '',
    `The runs' pages: ${pages.join(', ')}.`,
    '',
  ];
  writeFileSync(join(dir, 'fairness.md'), text.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
