import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REDIS_CONF_FILE,
  STACK_PASSWORD_FILES,
  loadConfig,
  loadOrCreateStackPasswords,
} from '@flash/config';
import { Client } from 'pg';
import { Pool } from 'undici';
import { Balancer, repositoryRoot } from '../faults/fault-stack';
import { RedisServer } from '../faults/servers';
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
 * The stack an attacker meets on a developer's laptop, as real processes on loopback, set up
 * as compose sets it up: the API behind HAProxy (which it trusts for one hop, its statistics
 * behind a password), the worker, and the queue board as shipped (read-only), with dev
 * tokens on, every limit at its default and METRICS_TOKEN set. A Redis of its own that asks
 * for the password generated into its secrets directory, and the apps connected to Postgres
 * as a role the migration step granted rows only, in a schema of its own.
 */
export class AttackStack {
  readonly http: Pool;
  readonly board: Pool;
  readonly direct: Pool;
  readonly admin: string;
  private readonly processes: RunningProcess[] = [];
  private balancer?: Balancer;
  private redis?: RedisServer;

  private constructor(
    readonly env: Record<string, string>,
    readonly urls: { lb: string; api: string; board: string; boardPort: number },
    /** The database's owner (the superuser), for the suite's own reads and the clean-up. */
    private readonly ownerUrl: string,
    readonly secretsDir: string,
  ) {
    this.http = new Pool(urls.lb, { connections: 32 });
    this.direct = new Pool(urls.api, { connections: 32 });
    this.board = new Pool(urls.board, { connections: 8 });
    this.admin = mintToken('attack-ops', env.JWT_SECRET, true, 3600);
  }

  static async start(base: { databaseUrl: string }): Promise<AttackStack> {
    const id = `atk${randomBytes(4).toString('hex')}`;
    const [apiPort, lbPort, boardPort, metricsPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const secretsDir = join(mkdtempSync(join(tmpdir(), 'attack-secrets-')), 'secrets');
    const passwords = loadOrCreateStackPasswords(secretsDir);
    const appUrl = new URL(base.databaseUrl);
    appUrl.username = id;
    const env: Record<string, string> = {
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      REDIS_URL: 'redis://127.0.0.1:1', // the port is set once its server listens
      REDIS_PASSWORD_FILE: join(secretsDir, STACK_PASSWORD_FILES.redis),
      DATABASE_URL: appUrl.toString(),
      DATABASE_PASSWORD_FILE: join(secretsDir, STACK_PASSWORD_FILES.database),
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
    const urls = {
      lb: `http://127.0.0.1:${lbPort}`,
      api: `http://127.0.0.1:${apiPort}`,
      board: `http://127.0.0.1:${boardPort}`,
      boardPort,
    };
    const stack = new AttackStack(env, urls, base.databaseUrl, secretsDir);
    try {
      stack.redis = await RedisServer.start('none', {
        conf: join(secretsDir, REDIS_CONF_FILE),
        password: passwords.redis,
      });
      env.REDIS_URL = stack.redis.url;
      await stack.ownerQuery(`CREATE SCHEMA "${id}"`);
      // As compose's migrate: the owner migrates, then grants the apps' role its rows.
      execFileSync(process.execPath, [MIGRATE], {
        env: {
          PATH: process.env.PATH ?? '',
          ...env,
          DATABASE_URL: base.databaseUrl,
          DATABASE_PASSWORD_FILE: '',
          DATABASE_APP_ROLE: id,
          DATABASE_APP_PASSWORD_FILE: join(secretsDir, STACK_PASSWORD_FILES.database),
        },
      });
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

  /**
   * A second API of the stack, with these settings on top of its own, for the time `use`
   * runs (the attacks on a provider the main API does not use: Turnstile, Stripe).
   */
  async withApi<T>(settings: Record<string, string>, use: (http: Pool) => Promise<T>): Promise<T> {
    const port = await freePort();
    const api = startProcess(API_MAIN, { ...this.env, ...settings, PORT: String(port) });
    const http = new Pool(`http://127.0.0.1:${port}`, { connections: 4 });
    try {
      await waitHealthy(api, `http://127.0.0.1:${port}`);
      return await use(http);
    } finally {
      await http.close();
      await stopProcess(api);
    }
  }

  /** The port of the stack's Redis. */
  get redisPort(): number {
    return this.redis!.port;
  }

  /** The balancer, for its statistics page. */
  get lb(): Balancer {
    return this.balancer!;
  }

  /** A SQL client on the stack's schema, as the database's owner (the caller ends it). */
  async sql(): Promise<Client> {
    const client = new Client({
      connectionString: this.ownerUrl,
      options: `-c search_path=${this.env.DATABASE_SCHEMA}`,
    });
    await client.connect();
    return client;
  }

  /** A SQL client on the stack's schema as the apps connect: their role (the caller ends it). */
  async appSql(): Promise<Client> {
    const config = loadConfig(this.env);
    const client = new Client({
      connectionString: config.databaseUrl,
      options: `-c search_path=${config.databaseSchema}`,
    });
    await client.connect();
    return client;
  }

  private async ownerQuery(sql: string): Promise<void> {
    const client = new Client({ connectionString: this.ownerUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    await this.balancer?.stop();
    for (const p of this.processes) await stopProcess(p);
    await Promise.all([this.http.close(), this.direct.close(), this.board.close()]);
    const role = this.env.DATABASE_SCHEMA;
    await this.ownerQuery(`DROP SCHEMA IF EXISTS "${role}" CASCADE`);
    await this.ownerQuery(`DO $$ BEGIN
      IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
        DROP OWNED BY "${role}"; DROP ROLE "${role}";
      END IF;
    END $$`);
    await this.redis?.stop();
    rmSync(join(this.secretsDir, '..'), { recursive: true, force: true });
  }
}
