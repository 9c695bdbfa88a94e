import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineDescription } from '../../loadtest/bench/bench-support';
import type { RunResult } from '../../loadtest/driver/run-types';
import { repositoryRoot } from '../../loadtest/faults/fault-stack';
import { APP_IMAGE } from './compose-stack';
import type { ImageSource } from './stand-in-images';

/** What one driver run against the stack showed. */
export interface DriverFigures {
  command: string;
  units: number;
  buyers: number;
  unitsSold: number;
  sellOutSeconds: number | null;
  attemptsPerSecond: number;
  p99Ms: number;
  invariants: { held: number; of: number; failed: string[] };
}

/** One profile's run on the engine. */
export interface ProfileFigures {
  profile: string;
  recordedAt: string;
  machine: string;
  images: Record<string, ImageSource>;
  /** `up --build -d` until it returned. */
  upSeconds: number;
  /** Whether the app image was there before `up --build` (its layers cached) or built afresh. */
  build: 'cached layers' | 'first build';
  /** From the start of `up` until every service checked was healthy. */
  healthySeconds: number;
  imageSizesMb: Record<string, number>;
  /** The app image: the user it runs as, and its dependencies' and build's weight. */
  app: { user: string; nodeModulesMb: number; distMb: number };
  driver?: DriverFigures;
  notes: string[];
}

/** The base the Dockerfile builds the app image on. */
const APP_BASE = 'node:26-trixie-slim';

const RESULTS = join(repositoryRoot(__dirname), 'docs', 'results');
const DATA = join(RESULTS, 'compose.json');
const PAGE = join(RESULTS, 'compose.md');
const ORDER = ['default', 'ha', 'scale', 'observability', 'loadtest'];

export function driverFigures(command: string, r: RunResult): DriverFigures {
  const failed = r.invariants.filter((i) => !i.ok).map((i) => i.name);
  return {
    command,
    units: r.units,
    buyers: r.buyers,
    unitsSold: r.unitsSold,
    sellOutSeconds: r.sellOutSeconds,
    attemptsPerSecond: Math.round(r.attemptsPerSecond),
    p99Ms: r.latencyMs.p99,
    invariants: { held: r.invariants.length - failed.length, of: r.invariants.length, failed },
  };
}

/** Records a profile's figures beside the others', and rewrites docs/results/compose.md. */
export function recordProfile(figures: Omit<ProfileFigures, 'recordedAt' | 'machine'>): void {
  const all: Record<string, ProfileFigures> = existsSync(DATA)
    ? (JSON.parse(readFileSync(DATA, 'utf8')) as Record<string, ProfileFigures>)
    : {};
  // A first build and a build on cached layers are kept apart: both are worth knowing.
  all[`${figures.profile} (${figures.build})`] = {
    ...figures,
    recordedAt: new Date().toISOString(),
    machine: machineDescription(),
  };
  const rank = (key: string) =>
    ORDER.indexOf(all[key].profile) * 2 + (all[key].build === 'first build' ? 0 : 1);
  const sorted = Object.fromEntries(
    Object.keys(all)
      .filter((key) => ORDER.includes(all[key].profile))
      .sort((a, b) => rank(a) - rank(b))
      .map((key) => [key, all[key]]),
  );
  writeFileSync(DATA, `${JSON.stringify(sorted, null, 2)}\n`);
  writeFileSync(PAGE, renderPage(Object.values(sorted)));
}

export function renderPage(runs: ProfileFigures[]): string {
  const sizes = new Map<string, number>();
  const sources = new Map<string, ImageSource>();
  for (const run of runs) {
    for (const [tag, mb] of Object.entries(run.imageSizesMb)) sizes.set(tag, mb);
    for (const [tag, source] of Object.entries(run.images)) sources.set(tag, source);
  }
  return [
    '# docker compose on a real Docker engine',
    '',
    'Written by `npm run test:docker` (each profile rewrites its own rows; CI runs the default',
    'profile only: `npm run test:docker -- default`). Each profile runs from a fresh clone of',
    'the repository, with every published port moved to a free one on 127.0.0.1. A row is a',
    'first build (`TEST_DOCKER_COLD=1` removes the app image, the build cache and every',
    'dangling image first; the base images stay) or a build on the layers of an earlier one.',
    '',
    '| profile | recorded | machine | app image | `up --build -d` | healthy after |',
    '| --- | --- | --- | --- | --: | --: |',
    ...runs.map(
      (r) =>
        `| ${r.profile} | ${r.recordedAt.slice(0, 16).replace('T', ' ')} UTC | ${r.machine} | ${r.build} | ${r.upSeconds.toFixed(0)} s | ${r.healthySeconds.toFixed(0)} s |`,
    ),
    '',
    '## The load driver against the stack',
    '',
    '| profile | command | units sold | sold out after | attempts/s | p99 | invariants |',
    '| --- | --- | --: | --: | --: | --: | --- |',
    ...runs
      .filter((r) => r.driver)
      .map((r) => {
        const d = r.driver!;
        const invariants =
          d.invariants.failed.length === 0
            ? `all ${d.invariants.of} held`
            : `FAILED: ${d.invariants.failed.join(', ')}`;
        const soldOut =
          d.sellOutSeconds === null ? 'not sold out' : `${d.sellOutSeconds.toFixed(1)} s`;
        return `| ${r.profile}, ${r.build} | \`${d.command}\` | ${d.unitsSold} of ${d.units} | ${soldOut} | ${d.attemptsPerSecond} | ${d.p99Ms.toFixed(0)} ms | ${invariants} |`;
      }),
    '',
    '## Images',
    '',
    '| image | size | source |',
    '| --- | --: | --- |',
    ...[...sizes].map(
      ([tag, mb]) =>
        `| \`${tag}\` | ${mb} MB | ${tag === APP_IMAGE ? appWords(mb, sizes.get(APP_BASE)) : sourceWords(sources.get(tag))} |`,
    ),
    '',
    ...appLines(runs.at(-1)),
    '## What each profile showed',
    '',
    ...runs.flatMap((r) => [
      `### ${r.profile}, ${r.build}`,
      '',
      ...r.notes.map((n) => `- ${n}`),
      '',
    ]),
  ].join('\n');
}

function appLines(run: ProfileFigures | undefined): string[] {
  if (!run) return [];
  return [
    `The app image runs as \`${run.app.user}\`; its \`node_modules\` (production dependencies,`,
    `installed by \`npm ci\` from the lockfile) take ${run.app.nodeModulesMb} MB and its build`,
    `${run.app.distMb} MB. The Dockerfile drops what the production tree holds only as optional`,
    'peers (TypeScript, gRPC and their typings): node_modules went from 202 MB to 167 MB.',
    'The stand-in bases are Debian, not Alpine: official images would be smaller.',
    '',
  ];
}

function appWords(mb: number, baseMb: number | undefined): string {
  const over = baseMb === undefined ? '' : `: ${mb - baseMb} MB over \`${APP_BASE}\``;
  return `built from the Dockerfile${over}`;
}

function sourceWords(source: ImageSource | undefined): string {
  if (source === 'official') return 'the official image';
  if (source === 'stand-in') return 'a stand-in built here (no registry answered)';
  return 'not available';
}
