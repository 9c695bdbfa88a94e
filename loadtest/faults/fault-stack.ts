import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Pool } from 'undici';
import { localJwtSecret } from '@flash/config';
import { mintToken } from '../bench/bench-support';
import {
  RunningProcess,
  freePort,
  startProcess,
  stopProcess,
  waitHealthy,
} from '../bench/processes';

/** The repository root, from the source (tests) or from dist/ (npm run faults). */
function repositoryRoot(dir: string): string {
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
}

/**
 * The built API and worker as real processes on loopback, against the suite's own Redis and
 * Postgres, with settings tuned to recover quickly (claims, rebuild checks, sweeps). Either
 * process can be killed and started again.
 */
export class FaultStack {
  api?: RunningProcess;
  worker?: RunningProcess;
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
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'development',
      DEV_TOKENS: 'false',
      HOST: '127.0.0.1',
      PORT: String(port),
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
    await stack.startApi();
    stack.startWorker();
    // Ready before any fault: a worker still booting when Postgres stops would just exit.
    await waitHealthy(
      stack.worker!,
      `http://127.0.0.1:${env.WORKER_METRICS_PORT}`,
      30_000,
      '/metrics',
    );
    return stack;
  }

  async startApi(): Promise<void> {
    this.api = startProcess(API_MAIN, { ...this.env, ...this.apiEnv });
    await waitHealthy(this.api, this.baseUrl);
  }

  startWorker(): void {
    this.worker = startProcess(WORKER_MAIN, this.env);
  }

  async killApi(): Promise<void> {
    await stopProcess(this.api, 'SIGKILL');
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
    writeFileSync(join(dir, 'api.log'), this.api?.output() ?? '');
    writeFileSync(join(dir, 'worker.log'), this.worker?.output() ?? '');
    return dir;
  }

  async stop(): Promise<void> {
    await Promise.all([stopProcess(this.api), stopProcess(this.worker)]);
    await this.http.close();
    rmSync(this.secretsDir, { recursive: true, force: true });
  }
}
