import { join } from 'node:path';
import { Pool } from 'undici';
import {
  RunningProcess,
  freePort,
  startProcess,
  stopProcess,
  waitHealthy,
} from '../../loadtest/bench/processes';
import type { TestWorld } from './test-env';

const ROOT = join(__dirname, '..', '..');
export const API_MAIN = join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
export const WORKER_MAIN = join(ROOT, 'dist', 'apps', 'worker', 'src', 'main.js');
export { RunningProcess, freePort, startProcess, stopProcess };

export interface Stack {
  baseUrl: string;
  http: Pool;
  /** Where the worker serves GET /metrics. */
  workerMetricsUrl: string;
  api: RunningProcess;
  worker?: RunningProcess;
  env: Record<string, string>;
  startWorker(extra?: Record<string, string>): RunningProcess;
  stop(): Promise<void>;
}

/** The API (and by default a worker) as separate processes, ready when /health says 200. */
export async function startStack(
  world: TestWorld,
  options: { worker?: boolean } = {},
): Promise<Stack> {
  // A free port may be taken by another process before the API or the worker listens on it
  // (the suites run in parallel): then the stack starts again on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStackOnce(world, options);
    } catch (err) {
      if (attempt >= 3 || !String((err as Error).message).includes('EADDRINUSE')) throw err;
    }
  }
}

async function startStackOnce(world: TestWorld, options: { worker?: boolean }): Promise<Stack> {
  const port = await freePort();
  const metricsPort = await freePort();
  const env: Record<string, string> = {
    ...world.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    WORKER_METRICS_PORT: String(metricsPort),
  };
  const api = startProcess(API_MAIN, env);
  const baseUrl = `http://127.0.0.1:${port}`;
  const http = new Pool(baseUrl, { connections: 256 });
  const stack: Stack = {
    baseUrl,
    http,
    workerMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    api,
    env,
    startWorker(extra = {}) {
      stack.worker = startProcess(WORKER_MAIN, { ...env, ...extra });
      return stack.worker;
    },
    async stop() {
      await Promise.all([stopProcess(stack.api), stopProcess(stack.worker)]);
      await http.close();
    },
  };
  if (options.worker !== false) stack.startWorker();
  try {
    await waitHealthy(api, baseUrl);
    // A worker that died on start (its metrics port taken) would leave expiry and
    // persistence silently undone: the stack is ready only when the worker answers too.
    if (stack.worker)
      await waitHealthy(stack.worker, `http://127.0.0.1:${metricsPort}`, 20_000, '/metrics', {
        ...(env.METRICS_TOKEN ? { authorization: `Bearer ${env.METRICS_TOKEN}` } : {}),
      });
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}
