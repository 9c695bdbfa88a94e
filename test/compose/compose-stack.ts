import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import {
  ComposeFile,
  ComposeService,
  commandOf,
  environmentOf,
  portsOf,
  startOrder,
} from './compose-file';
import {
  RunningProcess,
  freePort,
  spawnProcess,
  stopProcess,
} from '../../loadtest/bench/processes';

/**
 * docker-compose.yml's services as local processes, with no Docker engine (npm test's check):
 * `redis` runs its compose command on a free port; `postgres` is a fresh database on the
 * local server (its name replaces the compose one); every service that runs the app image
 * runs its compose `command` from the repository root with its compose `environment`,
 * service host names mapped to 127.0.0.1, container ports to free loopback ports, and paths
 * inside a named volume to a local directory per volume (shared by the services that mount it).
 */
export interface LocalService extends RunningProcess {
  name: string;
  /** Container port → the loopback port it listens on here. */
  ports: Map<number, number>;
  env: Record<string, string>;
}

export interface ComposeStackOptions {
  root: string;
  /** The local Postgres server that stands in for the `postgres` service (trust auth). */
  postgresUrl: string;
  /** The Node binary that runs the app image's `node` commands. */
  node?: string;
}

export class ComposeStack {
  readonly services = new Map<string, LocalService>();
  /** Compose host:port → loopback host:port, as seen from the processes. */
  private readonly endpoints = new Map<string, string>();
  private database = '';
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'compose-check-'));
  /**
   * Stands for the project's directory on the host: bind mounts (`./x:/y`) map into it, so the
   * host's tools and the services share files as they do under compose, and the repository's
   * own `.secrets` is left alone.
   */
  readonly hostDir = join(this.dataDir, 'project');

  constructor(
    private readonly file: ComposeFile,
    private readonly opts: ComposeStackOptions,
  ) {}

  /** The app services: those that run the image the file builds. */
  appServices(): string[] {
    const built = Object.values(this.file.services).find((s) => s.build)?.image;
    return Object.entries(this.file.services)
      .filter(([, s]) => s.build || (built && s.image === built))
      .map(([name]) => name);
  }

  /** The environment a service gets here: compose's, with hosts, ports and volumes made local. */
  localEnv(name: string, ports: Map<number, number> = new Map()): Record<string, string> {
    const service = this.file.services[name];
    const env = environmentOf(service);
    for (const [key, value] of Object.entries(env)) {
      env[key] = this.localValue(value, ports, this.volumeDirs(service));
    }
    return env;
  }

  /**
   * Each volume the service mounts: its mount point → a directory here (a named volume's of its
   * own; a bind mount of the project's, under hostDir).
   */
  private volumeDirs(service: ComposeService): Map<string, string> {
    const dirs = new Map<string, string>();
    for (const spec of service.volumes ?? []) {
      const [source, target] = spec.split(':');
      if (!target || source.startsWith('/')) continue;
      if (source.startsWith('./')) dirs.set(target, join(this.hostDir, source));
      else dirs.set(target, join(this.dataDir, 'volumes', source));
    }
    return dirs;
  }

  private localValue(
    value: string,
    ports: Map<number, number>,
    volumes: Map<string, string>,
  ): string {
    if (value === '0.0.0.0') return '127.0.0.1';
    for (const [target, local] of volumes) {
      if (value === target || value.startsWith(`${target}/`))
        return local + value.slice(target.length);
    }
    if (/^\d+$/.test(value) && ports.has(Number(value))) return String(ports.get(Number(value)));
    const url = /^([a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?)([A-Za-z0-9_.-]+):(\d+)(\/[^?#]*)?(.*)$/.exec(
      value,
    );
    const local = url && this.endpoints.get(`${url[2]}:${url[3]}`);
    if (!url || !local) return value;
    const path = url[2] === 'postgres' ? `/${this.database}` : (url[4] ?? '');
    return `${url[1]}${local}${path}${url[5]}`;
  }

  /** Starts `names` and what they depend on, in order; waits for each as compose would. */
  async up(names: string[]): Promise<void> {
    for (const name of startOrder(this.file, names)) {
      if (this.services.has(name)) continue;
      if (name === 'redis') await this.startRedis(this.file.services.redis);
      else if (name === 'postgres') await this.createDatabase();
      else await this.startApp(name);
    }
  }

  private async startRedis(service: ComposeService): Promise<void> {
    const port = await freePort();
    const volumes = this.volumeDirs(service);
    const [bin, ...args] = commandOf(service).map((arg) =>
      this.localValue(arg, new Map(), volumes),
    );
    const extra = ['--port', String(port), '--bind', '127.0.0.1', '--dir', this.dataDir];
    this.track('redis', spawnProcess(bin, [...args, ...extra], {}), {
      ports: new Map([[6379, port]]),
      env: {},
    });
    this.endpoints.set('redis:6379', `127.0.0.1:${port}`);
    // The password it asks for, from the file its command names (as the healthcheck reads it).
    const conf = args.find((arg) => arg.endsWith('.conf'));
    const password = conf && /^requirepass (\S+)$/m.exec(readFileSync(conf, 'utf8'))?.[1];
    await this.waitFor('redis', async () => {
      const redis = new Redis(port, '127.0.0.1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        password: password || undefined,
      });
      try {
        await redis.connect();
        return (await redis.ping()) === 'PONG';
      } finally {
        redis.disconnect();
      }
    });
  }

  private async createDatabase(): Promise<void> {
    this.database = `compose_check_${Date.now().toString(36)}_${process.pid}`;
    const admin = new Client({ connectionString: this.opts.postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${this.database}"`);
    await admin.end();
    const server = new URL(this.opts.postgresUrl);
    this.endpoints.set('postgres:5432', `${server.hostname}:${server.port || 5432}`);
  }

  /** The database the stack writes to, as the driver would reach it. */
  databaseUrl(): string {
    const url = new URL(this.opts.postgresUrl);
    url.pathname = `/${this.database}`;
    return url.toString();
  }

  private async startApp(name: string): Promise<void> {
    const service = this.file.services[name];
    const ports = new Map<number, number>();
    for (const p of portsOf(service)) ports.set(p.containerPort, await freePort());
    const env = this.localEnv(name, ports);
    const [bin, ...args] = commandOf(service);
    if (bin !== 'node') throw new Error(`${name}: expected a node command, got ${bin}`);
    const child = spawnProcess(this.opts.node ?? process.execPath, args, env, this.opts.root);
    const local = this.track(name, child, { ports, env });
    const condition = (dependent: string) => {
      const deps = this.file.services[dependent].depends_on;
      return deps && !Array.isArray(deps) ? deps[name]?.condition : undefined;
    };
    const awaited = Object.keys(this.file.services).map(condition);
    if (awaited.includes('service_completed_successfully')) {
      const { code } = await local.exited;
      if (code !== 0) throw new Error(`${name} exited with ${code}:\n${local.output()}`);
      return;
    }
    const health = service.healthcheck?.test;
    const url = Array.isArray(health) ? health.join(' ').match(/http:\/\/[^'"]+/)?.[0] : undefined;
    if (!url) return;
    const target = new URL(url);
    const port = ports.get(Number(target.port)) ?? Number(target.port);
    await this.waitFor(name, async () => {
      const res = await fetch(`http://127.0.0.1:${port}${target.pathname}`);
      await res.arrayBuffer();
      return res.ok;
    });
  }

  private track(
    name: string,
    running: RunningProcess,
    rest: Pick<LocalService, 'ports' | 'env'>,
  ): LocalService {
    const service = { name, ...running, ...rest };
    this.services.set(name, service);
    return service;
  }

  private async waitFor(name: string, ready: () => Promise<boolean>, timeoutMs = 30_000) {
    const service = this.services.get(name)!;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (service.child.exitCode !== null)
        throw new Error(`${name} exited with ${service.child.exitCode}:\n${service.output()}`);
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${name} did not come up:\n${service.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops every process this stack started, by its pid, and drops its database. */
  async down(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => stopProcess(s)));
    if (this.database) {
      const admin = new Client({ connectionString: this.opts.postgresUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`);
      await admin.end();
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
