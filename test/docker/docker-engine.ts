import { spawn, spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What ran a command: its exit status and what it printed. */
export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  command: string,
  args: string[],
  o: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number } = {},
): CommandResult {
  const result = spawnSync(command, args, {
    cwd: o.cwd,
    env: o.env ?? process.env,
    input: o.input,
    timeout: o.timeoutMs ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

export function succeeded(command: string, args: string[], timeoutMs = 30_000): boolean {
  return run(command, args, { timeoutMs }).status === 0;
}

/**
 * A Docker engine to talk to: the running one, or `dockerd` started here (as root, overlay2)
 * when it is installed and not running. Its log goes to a file in the temp directory; it is
 * left running for the next test (stopping it would cost the next one a start).
 */
export async function ensureEngine(log: (line: string) => void): Promise<void> {
  if (succeeded('docker', ['info'])) return;
  if (!succeeded('sh', ['-c', 'command -v dockerd'])) {
    throw new Error(
      'no Docker engine answers and dockerd is not installed (apt-get install docker.io)',
    );
  }
  const logFile = join(tmpdir(), 'flash-sale-dockerd.log');
  log(`starting dockerd (log: ${logFile})`);
  const out = openSync(logFile, 'a');
  const daemon = spawn('dockerd', ['--storage-driver', 'overlay2'], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  daemon.unref();
  for (let i = 0; i < 60; i++) {
    if (succeeded('docker', ['info'])) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`dockerd did not answer within 30 s; see ${logFile}`);
}

/** How to run compose here: `docker compose` (v2) where it exists, else `docker-compose` (v1). */
export function composeCommand(): string[] {
  if (succeeded('docker', ['compose', 'version'])) return ['docker', 'compose'];
  if (succeeded('docker-compose', ['version'])) return ['docker-compose'];
  throw new Error('neither `docker compose` nor `docker-compose` is installed');
}
