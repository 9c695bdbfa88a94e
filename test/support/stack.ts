import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'undici';
import type { TestWorld } from './test-env';

const ROOT = join(__dirname, '..', '..');
export const API_MAIN = join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
export const WORKER_MAIN = join(ROOT, 'dist', 'apps', 'worker', 'src', 'main.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a built app (`npm run build` first) as a real process with the world's env. */
export function startProcess(main: string, env: Record<string, string>): RunningProcess {
  if (!existsSync(main))
    throw new Error(`${main} is missing: run \`npm run build\` before the e2e tests`);
  const child = spawn(process.execPath, ['--max-semi-space-size=32', main], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

export async function stopProcess(
  p: RunningProcess | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
) {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return p?.exited;
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  const result = await p.exited;
  clearTimeout(timer);
  return result;
}

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
  const port = await freePort();
  const metricsPort = await freePort();
  const env = {
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
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (api.child.exitCode !== null) throw new Error(`the API exited:\n${api.output()}`);
    try {
      const res = await http.request({ method: 'GET', path: '/health' });
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the API did not become healthy:\n${api.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return stack;
}
