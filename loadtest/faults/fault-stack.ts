import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Pool } from 'undici';
import { localJwtSecret } from '@flash/config';
import { mintToken } from '../bench/bench-support';
import {
  RunningProcess,
  freePort,
  spawnProcess,
  startProcess,
  stopProcess,
  waitHealthy,
} from '../bench/processes';
import { STATS_PASSWORD_VARIABLE, STATS_USER, haproxyConfig } from '../scale/haproxy-config';

/** The repository root, from the source (tests) or from dist/ (npm run faults). */
export function repositoryRoot(dir: string): string {
  return existsSync(join(dir, 'package.json')) ? dir : repositoryRoot(dirname(dir));
}
const ROOT = repositoryRoot(__dirname);
const DIST = join(ROOT, 'dist');
const API_MAIN = join(DIST, 'apps', 'api', 'src', 'main.js');
const WORKER_MAIN = join(DIST, 'apps', 'worker', 'src', 'main.js');
const MIGRATE = join(DIST, 'libs', 'database', 'src', 'migrate.js');

export interface FaultStackOptions {
  databaseUrl: string;
  /** Settings for this scenario (REDIS_URL or the sentinels included), over the suite's defaults. */
  env: Record<string, string>;
  /** Settings of the API alone (a fault proxy between it and Redis). */
  apiEnv?: Record<string, string>;
  /**
   * Several API instances behind HAProxy (from Debian's package, on the PATH) and several
   * workers; by default one of each and no balancer.
   */
  instances?: { apis: number; workers: number };
}

/**
 * The built API and worker as real processes on loopback, against the suite's own Redis and
 * Postgres, with settings tuned to recover quickly (claims, rebuild checks, sweeps). Either
 * process can be killed and started again. With several API instances, HAProxy balances
 * them and `baseUrl` is the balancer's.
 */
export class FaultStack {
  /** The API instances, each on a port of its own. */
  readonly apis: { port: number; process?: RunningProcess }[] = [];
  readonly workers: RunningProcess[] = [];
  balancer?: Balancer;
  readonly http: Pool;
  readonly jwtSecret: string;
  readonly adminToken: string;
  private readonly secretsDir = mkdtempSync(join(tmpdir(), 'faults-secrets-'));

  private constructor(
    readonly env: Record<string, string>,
    readonly baseUrl: string,
    private readonly apiEnv: Record<string, string>,
  ) {
    this.http = new Pool(baseUrl, { connections: 16 });
    this.jwtSecret = localJwtSecret({ SECRETS_DIR: this.secretsDir });
    this.adminToken = mintToken('fault-ops', this.jwtSecret, true);
  }

  static async start(o: FaultStackOptions): Promise<FaultStack> {
    const { apis, workers } = o.instances ?? { apis: 1, workers: 1 };
    const apiPorts = await Promise.all(Array.from({ length: apis }, () => freePort()));
    const port = apis > 1 ? await freePort() : apiPorts[0];
    const env: Record<string, string> = {
      NODE_ENV: 'development',
      DEV_TOKENS: 'false',
      HOST: '127.0.0.1',
      PORT: String(apiPorts[0]),
      WORKER_METRICS_PORT: String(await freePort()),
      DATABASE_URL: o.databaseUrl,
      RATE_LIMIT_PER_BUYER: '0',
      RELAY_CLAIM_IDLE_MS: '1000',
      REBUILD_CHECK_INTERVAL_MS: '500',
      REBUILD_REQUEUE_SECONDS: '0',
      AUDIT_INTERVAL_MS: '2000',
      EXPIRY_SWEEP_INTERVAL_MS: '1000',
      ORDER_JOB_BACKOFF_MS: '100',
      ORDER_JOB_BACKOFF_MAX_MS: '2000',
      ...o.env,
    };
    const stack = new FaultStack(env, `http://127.0.0.1:${port}`, o.apiEnv ?? {});
    env.SECRETS_DIR = stack.secretsDir;
    execFileSync(process.execPath, [MIGRATE], { env: { PATH: process.env.PATH ?? '', ...env } });
    try {
      for (const apiPort of apiPorts) stack.apis.push({ port: apiPort });
      await Promise.all(stack.apis.map((_, i) => stack.startApi(i)));
      for (let i = 0; i < workers; i++) stack.workers.push(await stack.startReadyWorker());
      if (apis > 1) {
        const addresses = apiPorts.map((p) => `127.0.0.1:${p}`);
        stack.balancer = await Balancer.start(port, addresses);
      }
    } catch (err) {
      await stack.stop();
      throw err;
    }
    return stack;
  }

  /** The first (or only) API instance. */
  get api(): RunningProcess | undefined {
    return this.apis[0]?.process;
  }

  get worker(): RunningProcess | undefined {
    return this.workers[0];
  }

  async startApi(index = 0): Promise<void> {
    const { port } = this.apis[index];
    const api = startProcess(API_MAIN, { ...this.env, ...this.apiEnv, PORT: String(port) });
    this.apis[index].process = api;
    await waitHealthy(api, `http://127.0.0.1:${port}`);
  }

  /** Ready before any fault: a worker still booting when Postgres stops would just exit. */
  private async startReadyWorker(): Promise<RunningProcess> {
    const metricsPort = await freePort();
    const worker = startProcess(WORKER_MAIN, {
      ...this.env,
      WORKER_METRICS_PORT: String(metricsPort),
    });
    await waitHealthy(worker, `http://127.0.0.1:${metricsPort}`, 30_000, '/metrics');
    return worker;
  }

  startWorker(): void {
    this.workers[0] = startProcess(WORKER_MAIN, this.env);
  }

  async killApi(index = 0): Promise<void> {
    await stopProcess(this.apis[index]?.process, 'SIGKILL');
  }

  async killWorker(): Promise<void> {
    await stopProcess(this.worker, 'SIGKILL');
  }

  async createSale(stock: number): Promise<string> {
    const res = await this.http.request({
      method: 'POST',
      path: '/admin/sales',
      headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Fault run',
        sku: 'FAULT',
        price: 199_900,
        stock,
        perUserLimit: 1,
        startsAt: new Date(Date.now() - 1000).toISOString(),
      }),
    });
    const body = (await res.body.json()) as { id?: string };
    if (res.statusCode !== 201 || !body.id) throw new Error(`creating the sale: ${res.statusCode}`);
    return body.id;
  }

  async get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    try {
      const res = await this.http.request({
        method: 'GET',
        path,
        headers: { authorization: `Bearer ${this.adminToken}` },
      });
      return {
        status: res.statusCode,
        body: (await res.body.json().catch(() => ({}))) as Record<string, unknown>,
      };
    } catch {
      return { status: 0, body: {} };
    }
  }

  /** Writes the apps' output to a directory of its own, for a run that missed a target. */
  keepLogs(name: string): string {
    const dir = mkdtempSync(join(tmpdir(), `faults-${name}-logs-`));
    this.apis.forEach((a, i) =>
      writeFileSync(join(dir, `api${i + 1}.log`), a.process?.output() ?? ''),
    );
    this.workers.forEach((w, i) => writeFileSync(join(dir, `worker${i + 1}.log`), w.output()));
    if (this.balancer) writeFileSync(join(dir, 'haproxy.log'), this.balancer.process.output());
    return dir;
  }

  async stop(): Promise<void> {
    await Promise.all([
      ...this.apis.map((a) => stopProcess(a.process)),
      ...this.workers.map((w) => stopProcess(w)),
      this.balancer?.stop(),
    ]);
    await this.http.close();
    rmSync(this.secretsDir, { recursive: true, force: true });
  }
}

/** What the balancer's statistics say of one API instance. */
export interface ServedBy {
  /** The server's name in the configuration (api1, api2, ...), as X-Served-By gives it. */
  server: string;
  /** UP, DOWN, ... as HAProxy's health checks see it. */
  status: string;
  /** Requests it was sent. */
  requests: number;
  responses2xx: number;
  responses4xx: number;
  responses5xx: number;
  /** Requests that lost their connection to it and were dispatched to another instance. */
  redispatched: number;
  /** Responses it failed to complete (killed mid-request). */
  responseErrors: number;
}

/** HAProxy in front of the API instances, with the configuration compose ships. */
export class Balancer {
  private constructor(
    readonly process: RunningProcess,
    private readonly dir: string,
    private readonly statsPort: number,
    private readonly statsPassword: string,
  ) {}

  static async start(port: number, addresses: string[]): Promise<Balancer> {
    const dir = mkdtempSync(join(tmpdir(), 'faults-haproxy-'));
    const config = join(dir, 'haproxy.cfg');
    const statsPort = await freePort();
    writeFileSync(
      config,
      haproxyConfig({
        bind: `127.0.0.1:${port}`,
        backends: { kind: 'servers', addresses },
        statsBind: `127.0.0.1:${statsPort}`,
      }),
    );
    const statsPassword = randomBytes(16).toString('hex');
    // -db: in the foreground, so it is a child process this stack can stop.
    const balancer = new Balancer(
      spawnProcess('haproxy', ['-db', '-f', config], {
        [STATS_PASSWORD_VARIABLE]: statsPassword,
      }),
      dir,
      statsPort,
      statsPassword,
    );
    await waitHealthy(balancer.process, `http://127.0.0.1:${port}`).catch(async (err) => {
      await balancer.stop();
      throw err;
    });
    return balancer;
  }

  /** Each API instance's share of the traffic, from the statistics page's CSV. */
  async servedBy(): Promise<ServedBy[]> {
    const res = await fetch(this.statsUrl('/stats;csv'), {
      headers: { authorization: this.statsAuthorization() },
    });
    return parseServedBy(await res.text());
  }

  statsUrl(path = '/stats'): string {
    return `http://127.0.0.1:${this.statsPort}${path}`;
  }

  /** Basic credentials for the statistics page. */
  statsAuthorization(password = this.statsPassword): string {
    return `Basic ${Buffer.from(`${STATS_USER}:${password}`).toString('base64')}`;
  }

  async stop(): Promise<void> {
    await stopProcess(this.process);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The `apis` backend's server rows of HAProxy's statistics CSV. */
export function parseServedBy(csv: string): ServedBy[] {
  const [header, ...rows] = csv.trim().split('\n');
  const names = header.replace(/^# /, '').split(',');
  return rows
    .map((row) => {
      const cells = row.split(',');
      const field = (name: string) => cells[names.indexOf(name)] ?? '';
      const count = (name: string) => Number(field(name)) || 0;
      return {
        backend: field('pxname'),
        server: field('svname'),
        status: field('status'),
        requests: count('stot'),
        responses2xx: count('hrsp_2xx'),
        responses4xx: count('hrsp_4xx'),
        responses5xx: count('hrsp_5xx'),
        redispatched: count('wredis'),
        responseErrors: count('eresp'),
      };
    })
    .filter((r) => r.backend === 'apis' && r.server !== 'BACKEND')
    .map(({ backend: _, ...served }) => served);
}
