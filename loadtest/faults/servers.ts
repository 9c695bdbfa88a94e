import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { RunningProcess, freePort, spawnProcess, stopProcess } from '../bench/processes';

/**
 * Real servers of the fault suite's own, on loopback ports, that a scenario may kill: a
 * Redis (with or without an append-only file) and a Postgres instance (initdb + pg_ctl).
 * The shared services of the machine are never touched.
 */
export type RedisPersistence = 'none' | 'everysec' | 'always';

export class RedisServer {
  private process?: RunningProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'faults-redis-'));

  private constructor(
    readonly port: number,
    private readonly args: string[],
    /** The port of the primary it replicates, if it is a replica. */
    private replicaOf?: number,
    /** A config file it reads first (compose's redis.conf: its password), and that password. */
    private readonly auth: { conf?: string; password?: string } = {},
  ) {}

  /**
   * `appendfsync`: everysec or always writes an AOF; none keeps nothing on disk. `replicaOf`:
   * the port of the primary this server replicates (directly, or through a fault proxy).
   */
  static async start(
    appendfsync: RedisPersistence = 'none',
    options: { replicaOf?: number; args?: string[]; conf?: string; password?: string } = {},
  ): Promise<RedisServer> {
    const persistence =
      appendfsync === 'none'
        ? ['--save', '', '--appendonly', 'no']
        : ['--save', '', '--appendonly', 'yes', '--appendfsync', appendfsync];
    // A replica that (re)joins is synced at once, not after the default 5 s wait for others.
    const sync = ['--repl-diskless-sync-delay', '0'];
    const server = new RedisServer(
      await freePort(),
      [...persistence, ...sync, ...(options.args ?? [])],
      options.replicaOf,
      { conf: options.conf, password: options.password },
    );
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const replication = this.replicaOf ? ['--replicaof', '127.0.0.1', String(this.replicaOf)] : [];
    const place = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir];
    const conf = this.auth.conf ? [this.auth.conf] : [];
    const args = [...conf, ...place, ...this.args, ...replication];
    this.process = spawnProcess('redis-server', args, {});
    await waitFor(async () => {
      const probe = new Redis(this.port, '127.0.0.1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        password: this.auth.password,
      });
      probe.on('error', () => undefined); // refused until the server listens
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, `redis on ${this.port}`);
  }

  /** Started again (after a kill) with its own files, as a replica of the server at `port`. */
  async restartAsReplicaOf(port: number): Promise<void> {
    this.replicaOf = port;
    await this.start();
  }

  /** A client of this server alone (no Sentinel), for probes and fault injection. */
  client(): Redis {
    const redis = new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined); // a killed server is expected here
    return redis;
  }

  /** kill -9: whatever was not on disk is gone. */
  async kill(): Promise<void> {
    await stopProcess(this.process, 'SIGKILL');
  }

  /** Killed, its files removed, started again: a Redis that comes back empty. */
  async restartEmpty(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', this.dir]);
    await this.start();
  }

  async stop(): Promise<void> {
    await stopProcess(this.process, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A Postgres instance of the suite's own, so a scenario can stop it. */
export class PostgresServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'faults-pg-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<PostgresServer> {
    const server = new PostgresServer(await freePort());
    const owner = asPostgres();
    if (owner) chownSync(server.dir, owner.uid, owner.gid);
    server.run('initdb', ['-D', join(server.dir, 'data'), '-U', 'postgres', '-A', 'trust']);
    await server.start();
    const admin = new Client({ connectionString: server.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE faults');
    await admin.end();
    return server;
  }

  url(database = 'faults'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    this.run('pg_ctl', [
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'log'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-w',
      'start',
    ]);
    await waitFor(async () => {
      const client = new Client({ connectionString: this.url('postgres') });
      try {
        await client.connect();
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    }, `postgres on ${this.port}`);
  }

  /** Stops it at once (immediate mode): clients see their connections drop. */
  stop(): void {
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  destroy(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(tool: string, args: string[]): void {
    const owner = asPostgres();
    const command = join(PG_BIN, tool);
    if (owner)
      execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe' });
    else execFileSync(command, args, { stdio: 'pipe' });
  }
}

/** Postgres refuses to run as root: as root, its tools run as the postgres user. */
function asPostgres(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
