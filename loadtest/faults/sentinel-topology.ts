import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RunningProcess, freePort, spawnProcess, stopProcess } from '../bench/processes';
import { FaultProxy } from './fault-proxy';
import { RedisPersistence, RedisServer, waitFor } from './servers';

export const SENTINEL_NAME = 'flash';

/** One `redis-server --sentinel` process with a config file of its own. */
class SentinelProcess {
  private process?: RunningProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'faults-sentinel-'));

  constructor(readonly port: number) {}

  async start(primaryPort: number, downAfterMs: number): Promise<void> {
    const conf = join(this.dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${this.port}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_NAME} ${downAfterMs}`,
        `sentinel failover-timeout ${SENTINEL_NAME} 10000`,
        `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
        '',
      ].join('\n'),
    );
    this.process = spawnProcess('redis-server', [conf, '--sentinel'], {});
    await waitFor(async () => {
      const probe = this.client();
      try {
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, `sentinel on ${this.port}`);
  }

  client(): Redis {
    const redis = new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
    redis.on('error', () => undefined);
    return redis;
  }

  async stop(): Promise<void> {
    await stopProcess(this.process, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A primary, one replica and three sentinels (quorum 2) on loopback: the `ha` topology of
 * docker-compose.yml, as processes a scenario can kill. The replica may replicate through a
 * fault proxy, so that its link can be paused and the replica made to lag while it stays up.
 */
export class SentinelTopology {
  private constructor(
    readonly primary: RedisServer,
    readonly replica: RedisServer,
    readonly sentinels: SentinelProcess[],
    readonly replicationLink: FaultProxy | null,
  ) {}

  static async start(
    persistence: RedisPersistence,
    options: { linkThroughProxy?: boolean; downAfterMs?: number } = {},
  ): Promise<SentinelTopology> {
    const primary = await RedisServer.start(persistence);
    const link = options.linkThroughProxy ? await FaultProxy.start(primary.port) : null;
    const replica = await RedisServer.start(persistence, {
      replicaOf: link ? link.port : primary.port,
    });
    const sentinels = await Promise.all(
      [0, 1, 2].map(async () => new SentinelProcess(await freePort())),
    );
    await Promise.all(sentinels.map((s) => s.start(primary.port, options.downAfterMs ?? 1000)));
    const topology = new SentinelTopology(primary, replica, sentinels, link);
    await topology.waitReady();
    return topology;
  }

  /** The apps' settings for this topology. */
  get env(): Record<string, string> {
    return {
      // With Sentinel the host is not used; REDIS_URL still carries credentials and the db.
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_SENTINELS: this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      REDIS_SENTINEL_NAME: SENTINEL_NAME,
    };
  }

  /** The port the sentinels name as primary now. */
  async primaryPort(): Promise<number> {
    const probe = this.sentinels[0].client();
    try {
      const [, port] = (await probe.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_NAME)) as [
        string,
        string,
      ];
      return Number(port);
    } finally {
      probe.disconnect();
    }
  }

  /** Replica in sync, and every sentinel knows it and the others. */
  private async waitReady(): Promise<void> {
    await waitFor(
      async () => {
        const replica = this.replica.client();
        try {
          const info = await replica.info('replication');
          if (!info.includes('master_link_status:up')) return false;
        } finally {
          replica.disconnect();
        }
        for (const sentinel of this.sentinels) {
          const probe = sentinel.client();
          try {
            const master = (await probe.call('SENTINEL', 'master', SENTINEL_NAME)) as string[];
            const field = (name: string) => Number(master[master.indexOf(name) + 1]);
            if (field('num-slaves') < 1 || field('num-other-sentinels') < 2) return false;
          } finally {
            probe.disconnect();
          }
        }
        return true;
      },
      'the sentinel topology',
      30_000,
    );
  }

  /** Resolves once the sentinels name the replica as the primary. */
  async waitFailover(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => (await this.primaryPort()) === this.replica.port,
      'a failover to the replica',
      timeoutMs,
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.sentinels.map((s) => s.stop()));
    await this.replicationLink?.stop();
    await Promise.all([this.primary.stop(), this.replica.stop()]);
  }
}
