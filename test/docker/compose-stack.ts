import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localJwtSecret } from '@flash/config';
import { freePort } from '../../loadtest/bench/processes';
import { repositoryRoot } from '../../loadtest/faults/fault-stack';
import { composeCommand, run } from './docker-engine';
import type { CommandResult } from './docker-engine';
import type { ProfileFigures } from './compose-figures';
import { readmeCommands } from './readme-commands';
import type { ImageSource } from './stand-in-images';
import { OFFICIAL_IMAGES, ensureImage } from './stand-in-images';

/** Every port docker-compose.yml publishes, by the variable that moves it. */
const PORT_VARIABLES = [
  'API_PORT',
  'REDIS_PORT',
  'POSTGRES_PORT',
  'WORKER_METRICS_PORT',
  'LB_PORT',
  'LB_STATS_PORT',
  'PROMETHEUS_PORT',
  'GRAFANA_PORT',
  'QUEUE_BOARD_PORT',
  'K6_DASHBOARD_PORT',
] as const;
type PortVariable = (typeof PORT_VARIABLES)[number];

/** The image compose builds from the Dockerfile (docker-compose.yml names it). */
export const APP_IMAGE = 'flash-sale:local';

/** The test's own compose projects are named so, and only those are ever cleared. */
const PROJECT_PREFIX = 'flashdocker';
const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';

export const dockerLog = (line: string) => process.stdout.write(`[docker] ${line}\n`);

/**
 * One compose project on the real engine, from a fresh clone of the repository: its own
 * project name, and every published port moved to a free one (the machine's own Redis and
 * Postgres hold 6379 and 5432). Host tools find it through LOADTEST_URL and DATABASE_URL, as
 * a user's would through the defaults.
 */
export class ComposeStack {
  readonly ports: Record<PortVariable, number>;
  readonly env: NodeJS.ProcessEnv;
  /** Which official images were used, and which stood in for. */
  readonly images: Record<string, ImageSource> = {};
  /** How long `up` took, and from its start until the services waited for were healthy. */
  upSeconds = 0;
  healthySeconds = 0;
  build: 'cached layers' | 'first build' = 'first build';
  private upStartedMs = 0;

  private constructor(
    readonly clone: string,
    readonly project: string,
    private readonly command: string[],
    ports: number[],
    extraEnv: Record<string, string>,
  ) {
    this.ports = Object.fromEntries(PORT_VARIABLES.map((v, i) => [v, ports[i]])) as Record<
      PortVariable,
      number
    >;
    this.env = {
      ...process.env,
      ...Object.fromEntries(PORT_VARIABLES.map((v) => [v, String(this.ports[v])])),
      COMPOSE_PROJECT_NAME: project,
      LOADTEST_URL: this.apiUrl,
      DATABASE_URL: this.databaseUrl,
      ...extraEnv,
    };
  }

  /** Clones the repository and makes the images `tags` available (pulled or stood in for). */
  static async open(tags: string[], extraEnv: Record<string, string> = {}): Promise<ComposeStack> {
    const command = composeCommand();
    dockerLog(`compose: ${command.join(' ')}`);
    removeStaleProjects();
    const clone = join(mkdtempSync(join(tmpdir(), 'compose-clone-')), 'flash-sale');
    const cloned = run('git', ['clone', '-q', repositoryRoot(__dirname), clone]);
    if (cloned.status !== 0) throw new Error(`git clone: ${cloned.stderr}`);
    const ports = await Promise.all(PORT_VARIABLES.map(() => freePort()));
    const project = `${PROJECT_PREFIX}${randomBytes(3).toString('hex')}`;
    const stack = new ComposeStack(clone, project, command, ports, extraEnv);
    for (const tag of tags) {
      const image = OFFICIAL_IMAGES.find((i) => i.tag === tag);
      if (!image) throw new Error(`${tag} is not an image docker-compose.yml names`);
      stack.images[tag] = ensureImage(image, dockerLog);
      dockerLog(`${tag}: ${stack.images[tag]}`);
    }
    return stack;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.ports.API_PORT}`;
  }

  /** Postgres as its superuser, through the published port. */
  get databaseUrl(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.ports.POSTGRES_PORT}/flash`;
  }

  get jwtSecret(): string {
    return localJwtSecret({ SECRETS_DIR: join(this.clone, '.secrets') });
  }

  compose(args: string[], timeoutMs = 600_000): CommandResult {
    return run(this.command[0], [...this.command.slice(1), ...args], {
      cwd: this.clone,
      env: this.env,
      timeoutMs,
    });
  }

  /**
   * The README's `docker compose up --build`, with `-d`, for a profile and services; records
   * how long it took. Throws with compose's output when it fails.
   */
  up(profile: string | null, services: string[] = []): void {
    const { composeUp } = readmeCommands(join(this.clone, 'README.md'));
    const [, , ...upArgs] = composeUp.split(' ');
    if (process.env.TEST_DOCKER_COLD === '1') {
      // A first build, as on a new machine: no app image and no build cache, which is
      // BuildKit's cache or, for the classic builder, the untagged images of earlier builds
      // (every dangling image goes). Tagged images, the bases and stand-ins, stay.
      run('docker', ['image', 'rm', '-f', APP_IMAGE]);
      run('docker', ['image', 'prune', '-f']);
      run('docker', ['builder', 'prune', '-af']);
    }
    if (run('docker', ['image', 'inspect', APP_IMAGE]).status === 0) this.build = 'cached layers';
    this.upStartedMs = Date.now();
    const profileArgs = profile ? ['--profile', profile] : [];
    const up = this.compose([...profileArgs, ...upArgs, '-d', ...services], 1_200_000);
    if (up.status !== 0) throw new Error(`compose up: ${up.stderr.slice(-4000)}`);
    this.upSeconds = (Date.now() - this.upStartedMs) / 1000;
  }

  /** Containers of a service (every replica), by id. */
  containers(service: string): string[] {
    return this.compose(['ps', '-q', service]).stdout.split('\n').filter(Boolean);
  }

  /** The health of every container of the service: `healthy` only when each is. */
  health(service: string): string {
    const ids = this.containers(service);
    if (ids.length === 0) return 'missing';
    const states = ids.map((id) =>
      run('docker', ['inspect', '--format', '{{.State.Health.Status}}', id]).stdout.trim(),
    );
    return states.every((s) => s === 'healthy') ? 'healthy' : states.join(',');
  }

  /** Polls until every service is healthy or the time is up; returns the last states. */
  async waitHealthy(services: string[], timeoutMs = 180_000): Promise<Record<string, string>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = Object.fromEntries(services.map((s) => [s, this.health(s)]));
      const healthy = Object.values(states).every((s) => s === 'healthy');
      if (healthy && this.healthySeconds === 0) {
        this.healthySeconds = (Date.now() - this.upStartedMs) / 1000;
        dockerLog(
          `${this.project}: up in ${this.upSeconds.toFixed(0)} s, healthy in ${this.healthySeconds.toFixed(0)} s (${this.build})`,
        );
      }
      if (healthy || Date.now() > deadline) return states;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  /** `docker kill` (SIGKILL) of one container. */
  kill(containerId: string): void {
    const killed = run('docker', ['kill', containerId]);
    if (killed.status !== 0) throw new Error(`docker kill ${containerId}: ${killed.stderr}`);
  }

  /** What docs/results/compose.md records of the stack itself. */
  figures(): Pick<
    ProfileFigures,
    'images' | 'build' | 'upSeconds' | 'healthySeconds' | 'imageSizesMb' | 'app'
  > {
    return {
      images: this.images,
      build: this.build,
      upSeconds: this.upSeconds,
      healthySeconds: this.healthySeconds,
      imageSizesMb: this.imageSizes(),
      app: this.appImage(),
    };
  }

  /** Who the app image runs as, and what its two big directories weigh. */
  appImage(): ProfileFigures['app'] {
    const user = run('docker', ['image', 'inspect', '--format', '{{.Config.User}}', APP_IMAGE]);
    const du = run('docker', [
      'run',
      '--rm',
      '--entrypoint',
      'du',
      APP_IMAGE,
      '-sm',
      'node_modules',
      'dist',
    ]);
    const mb = (dir: string) => Number(new RegExp(`^(\\d+)\\s+${dir}$`, 'm').exec(du.stdout)?.[1]);
    return { user: user.stdout.trim(), nodeModulesMb: mb('node_modules'), distMb: mb('dist') };
  }

  /** Sizes of the images the project ran, in MB, by tag. */
  imageSizes(): Record<string, number> {
    const tags = [...Object.keys(this.images), APP_IMAGE];
    return Object.fromEntries(
      tags.map((tag) => {
        const bytes = Number(
          run('docker', ['image', 'inspect', '--format', '{{.Size}}', tag]).stdout.trim(),
        );
        return [tag, Math.round(bytes / 1e6)];
      }),
    );
  }

  /** `down -v`, then the clone goes (the generated secrets in it are root's or uid 1000's). */
  down(): void {
    // Every profile named, so that no profile's containers are left behind.
    const profiles = ['ha', 'scale', 'observability', 'loadtest'].flatMap((p) => ['--profile', p]);
    const down = this.compose([...profiles, 'down', '-v', '--remove-orphans']);
    if (down.status !== 0) dockerLog(`down -v failed: ${down.stderr.slice(-2000)}`);
    // Whatever down left (the scale profile's fixed subnet would clash with the next project).
    const left = removeProjects((project) => project === this.project);
    if (left) dockerLog(`down -v left ${left}; removed them`);
    rmSync(join(this.clone, '..'), { recursive: true, force: true });
  }
}

/**
 * What an earlier run of these tests left behind when it was stopped before `down`: its
 * containers, networks (the scale profile's fixed subnet would clash with the next project's)
 * and volumes. Only projects this test named are touched.
 */
function removeStaleProjects(): void {
  const removed = removeProjects((project) =>
    new RegExp(`^${PROJECT_PREFIX}[0-9a-f]{6}$`).test(project),
  );
  if (removed) dockerLog(`removed what earlier runs left: ${removed}`);
}

/** Removes the containers, networks and volumes of the compose projects `which` picks. */
function removeProjects(which: (project: string) => boolean): string | null {
  const listed = (kind: 'ps' | 'network' | 'volume', idField: string) => {
    const args = kind === 'ps' ? ['ps', '-a'] : [kind, 'ls'];
    const lines = run('docker', [
      ...args,
      '--filter',
      `label=${COMPOSE_PROJECT_LABEL}`,
      '--format',
      `{{${idField}}} {{.Label "${COMPOSE_PROJECT_LABEL}"}}`,
    ]).stdout;
    return lines
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([, project]) => project && which(project))
      .map(([id]) => id);
  };
  const containers = listed('ps', '.ID');
  if (containers.length) run('docker', ['rm', '-f', '-v', ...containers]);
  const networks = listed('network', '.ID');
  if (networks.length) run('docker', ['network', 'rm', ...networks]);
  const volumes = listed('volume', '.Name');
  if (volumes.length) run('docker', ['volume', 'rm', ...volumes]);
  if (containers.length + networks.length + volumes.length === 0) return null;
  return `${containers.length} containers, ${networks.length} networks, ${volumes.length} volumes`;
}
