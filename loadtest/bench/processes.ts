import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/** Starting the built apps as real processes: for the strategy benchmark and the e2e tests. */

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

/** Starts a built app (`npm run build` first) with exactly the given environment. */
export function startProcess(main: string, env: Record<string, string>): RunningProcess {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  return spawnProcess(process.execPath, ['--max-semi-space-size=32', main], env);
}

/** Any command as a child process with exactly `env` (and PATH), its output kept. */
export function spawnProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): RunningProcess {
  const child = spawn(command, args, {
    cwd,
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
): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return p?.exited;
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  const result = await p.exited;
  clearTimeout(timer);
  return result;
}

/**
 * Resolves when GET `path` (the API's /health, the worker's /metrics) answers 200; fails if
 * the process exits or time runs out.
 */
export async function waitHealthy(
  api: RunningProcess,
  baseUrl: string,
  timeoutMs = 20_000,
  path = '/health',
  headers: Record<string, string> = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (api.child.exitCode !== null) throw new Error(`the process exited:\n${api.output()}`);
    try {
      const res = await fetch(`${baseUrl}${path}`, { headers });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`the process did not become healthy:\n${api.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
