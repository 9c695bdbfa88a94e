import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { Pool } from 'undici';
import { Balancer, repositoryRoot } from '../faults/fault-stack';
import {
  RunningProcess,
  freePort,
  startProcess,
  stopProcess,
  waitHealthy,
} from '../bench/processes';
import { mintToken } from '../bench/bench-support';

// From the sources (under jest) and from the build alike.
const DIST = join(repositoryRoot(__dirname), 'dist');
export const API_MAIN = join(DIST, 'apps', 'api', 'src', 'main.js');
export const WORKER_MAIN = join(DIST, 'apps', 'worker', 'src', 'main.js');
export const BOARD_MAIN = join(DIST, 'apps', 'queue-board', 'src', 'main.js');
const MIGRATE = join(DIST, 'libs', 'database', 'src', 'migrate.js');

/** What the attacks are run against: a token that opens the board (METRICS_TOKEN as well). */
export const METRICS_TOKEN = `attack-suite-metrics-${randomBytes(12).toString('hex')}`;

/**
 * The stack an attacker meets on a developer's laptop, as real processes on loopback: the API
 * behind HAProxy (which it trusts for one hop), the worker, and the queue board as shipped
 * (read-only), with dev tokens on, every limit at its default and METRICS_TOKEN set. Its
 * own Postgres schema, Redis key prefix and queue prefix; nothing else is touched.
 */
export class AttackStack {
  readonly http: Pool;
  readonly board: Pool;
  readonly direct: Pool;
  readonly admin: string;
  private readonly processes: RunningProcess[] = [];
  private balancer?: Balancer;

  private constructor(
    readonly env: Record<string, string>,
    readonly urls: { lb: string; api: string; board: string; boardPort: number },
  ) {
    this.http = new Pool(urls.lb, { connections: 32 });
    this.direct = new Pool(urls.api, { connections: 32 });
    this.board = new Pool(urls.board, { connections: 8 });
    this.admin = mintToken('attack-ops', env.JWT_SECRET, true, 3600);
  }

  static async start(base: { redisUrl: string; databaseUrl: string }): Promise<AttackStack> {
    const id = `atk${randomBytes(4).toString('hex')}`;
    const [apiPort, lbPort, boardPort, metricsPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const env: Record<string, string> = {
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      REDIS_URL: base.redisUrl,
      DATABASE_URL: base.databaseUrl,
      DATABASE_SCHEMA: id,
      REDIS_KEY_PREFIX: `${id}:`,
      QUEUE_PREFIX: `${id}q`,
      JWT_SECRET: randomBytes(32).toString('base64url'),
      ADMISSION_TOKEN_SECRET: randomBytes(32).toString('base64url'),
      PAYMENT_WEBHOOK_SECRET: randomBytes(32).toString('base64url'),
      METRICS_TOKEN,
      DEV_TOKENS: 'true',
      TRUST_PROXY: '1',
      SSE_STREAMS_PER_INSTANCE: '10',
      SSE_STREAMS_PER_ADDRESS: '3',
      EXPIRY_SWEEP_INTERVAL_MS: '300',
      WORKER_METRICS_PORT: String(metricsPort),
      QUEUE_BOARD_PORT: String(boardPort),
      LOG_LEVEL: 'error',
    };
    const stack = new AttackStack(env, {
      lb: `http://127.0.0.1:${lbPort}`,
      api: `http://127.0.0.1:${apiPort}`,
      board: `http://127.0.0.1:${boardPort}`,
      boardPort,
    });
    const sql = new Client({ connectionString: base.databaseUrl });
    await sql.connect();
    await sql.query(`CREATE SCHEMA "${id}"`);
    await sql.end();
    execFileSync(process.execPath, [MIGRATE], { env: { PATH: process.env.PATH ?? '', ...env } });
    try {
      stack.processes.push(startProcess(API_MAIN, env));
      await waitHealthy(stack.processes[0], stack.urls.api);
      stack.processes.push(startProcess(WORKER_MAIN, env));
      await waitHealthy(stack.processes[1], `http://127.0.0.1:${metricsPort}`, 30_000, '/metrics', {
        authorization: `Bearer ${METRICS_TOKEN}`,
      });
      stack.processes.push(startProcess(BOARD_MAIN, env));
      await waitHealthy(stack.processes[2], stack.urls.board);
      stack.balancer = await Balancer.start(lbPort, [`127.0.0.1:${apiPort}`]);
    } catch (err) {
      await stack.stop();
      throw err;
    }
    return stack;
  }

  /** A SQL client on the stack's schema (the caller ends it). */
  async sql(): Promise<Client> {
    const client = new Client({
      connectionString: this.env.DATABASE_URL,
      options: `-c search_path=${this.env.DATABASE_SCHEMA}`,
    });
    await client.connect();
    return client;
  }

  async stop(): Promise<void> {
    await this.balancer?.stop();
    for (const p of this.processes) await stopProcess(p);
    await Promise.all([this.http.close(), this.direct.close(), this.board.close()]);
    const sql = new Client({ connectionString: this.env.DATABASE_URL });
    await sql.connect();
    await sql.query(`DROP SCHEMA IF EXISTS "${this.env.DATABASE_SCHEMA}" CASCADE`);
    await sql.end();
  }
}
