import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localJwtSecret } from '@flash/config';
import {
  RunningProcess,
  freePort,
  startProcess,
  stopProcess,
  waitHealthy,
} from '../bench/processes';
import type { RunOptions, RunResult } from '../driver/run-scenario';
import { runScenario } from '../driver/run-scenario';
import { loadScenarioFile, resolveScenario } from '../driver/scenario';
import { STACK_TIERS, TierRule } from '../driver/tier-cpu';
import { PostgresServer, RedisServer } from '../faults/servers';

const DIST = join(__dirname, '..', '..');
const API_MAIN = join(DIST, 'apps', 'api', 'src', 'main.js');
const WORKER_MAIN = join(DIST, 'apps', 'worker', 'src', 'main.js');
const MIGRATE = join(DIST, 'libs', 'database', 'src', 'migrate.js');

/**
 * A whole stack of a run's own on loopback, with the default settings: a Redis server and a
 * Postgres instance started here, migrated, the built API and the worker. Nothing of an
 * earlier run (its sales, still audited and expiring) is left to disturb the next.
 * `relayApart` runs the outbox relay in an API process of its own that takes no traffic, so
 * that its CPU is counted apart from the API's (tier "relay").
 */
export class OwnStack {
  private constructor(
    readonly apiUrl: string,
    readonly jwtSecret: string,
    readonly databaseUrl: string,
    readonly tiers: readonly TierRule[],
    private readonly stopAll: () => Promise<void>,
  ) {}

  static async start(
    options: { relayApart?: boolean; env?: Record<string, string> } = {},
  ): Promise<OwnStack> {
    const pg = await PostgresServer.start();
    const redis = await RedisServer.start();
    const secrets = mkdtempSync(join(tmpdir(), 'own-stack-secrets-'));
    const processes: RunningProcess[] = [];
    const stopAll = async () => {
      await Promise.all(processes.map((p) => stopProcess(p)));
      await redis.stop();
      pg.destroy();
      rmSync(secrets, { recursive: true, force: true });
    };
    try {
      const env: Record<string, string> = {
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        DATABASE_URL: pg.url(),
        REDIS_URL: redis.url,
        SECRETS_DIR: secrets,
        ...options.env,
      };
      execFileSync(process.execPath, [MIGRATE], { env: { PATH: process.env.PATH ?? '', ...env } });
      const apiPort = await freePort();
      const relayEnv: Record<string, string> = options.relayApart ? { RELAY_ENABLED: 'false' } : {};
      const api = startProcess(API_MAIN, { ...env, PORT: String(apiPort), ...relayEnv });
      processes.push(api);
      await waitHealthy(api, `http://127.0.0.1:${apiPort}`);
      const tiers: TierRule[] = [...STACK_TIERS];
      if (options.relayApart) {
        const relayPort = await freePort();
        const relay = startProcess(API_MAIN, { ...env, PORT: String(relayPort) });
        processes.push(relay);
        await waitHealthy(relay, `http://127.0.0.1:${relayPort}`);
        const relayPid = relay.child.pid!;
        tiers.unshift({ tier: 'relay', matches: (_cmd, _name, pid) => pid === relayPid });
      }
      const metricsPort = await freePort();
      const worker = startProcess(WORKER_MAIN, {
        ...env,
        WORKER_METRICS_PORT: String(metricsPort),
      });
      processes.push(worker);
      await waitHealthy(worker, `http://127.0.0.1:${metricsPort}`, 30_000, '/metrics');
      return new OwnStack(
        `http://127.0.0.1:${apiPort}`,
        localJwtSecret({ SECRETS_DIR: secrets }),
        pg.url(),
        tiers,
        stopAll,
      );
    } catch (err) {
      await stopAll();
      throw err;
    }
  }

  /** A scenario in max mode against this stack, with the CPU of each tier. */
  sellOut(o: {
    scenario: string;
    scale: number;
    connections: number;
    limitSeconds: number;
    shards?: number;
  }): Promise<RunResult> {
    return runScenario({
      url: this.apiUrl,
      scenario: resolveScenario(loadScenarioFile(), o.scenario),
      mode: 'max',
      scale: o.scale,
      timeScale: 1,
      connections: o.connections,
      limitSeconds: o.limitSeconds,
      warmupRequests: 5000,
      jwtSecret: this.jwtSecret,
      database: { url: this.databaseUrl, schema: 'public' },
      cpuTiers: this.tiers,
      shards: o.shards,
    });
  }

  /** Any run against this stack: the options given, the stack's URL, secret, database and tiers. */
  run(o: Omit<RunOptions, 'url' | 'jwtSecret' | 'database' | 'cpuTiers'>): Promise<RunResult> {
    return runScenario({
      ...o,
      url: this.apiUrl,
      jwtSecret: this.jwtSecret,
      database: { url: this.databaseUrl, schema: 'public' },
      cpuTiers: this.tiers,
    });
  }

  stop(): Promise<void> {
    return this.stopAll();
  }
}
