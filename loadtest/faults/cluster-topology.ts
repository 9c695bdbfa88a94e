import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Redis, { Cluster } from 'ioredis';
import { freePort } from '../bench/processes';
import { RedisServer, waitFor } from './servers';

const run = promisify(execFile);

/**
 * A real Redis Cluster on loopback ports: `primaries` primaries with one replica each, every
 * node a `redis-server --cluster-enabled yes` process of its own, joined by
 * `redis-cli --cluster create`. For the cluster test project and the failover faults; the
 * machine's shared Redis is never touched.
 */
export class ClusterTopology {
  private constructor(readonly servers: RedisServer[]) {}

  static async start(primaries = 3): Promise<ClusterTopology> {
    const args = [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      // A primary that stops answering is failed over after 2 s, not the default 15.
      '--cluster-node-timeout',
      '2000',
    ];
    // The cluster bus listens on a port of its own, by default the node's + 10000, which no
    // one checked was free: each node gets a free one.
    const servers = await Promise.all(
      Array.from({ length: primaries * 2 }, async () =>
        RedisServer.start('none', {
          args: [...args, '--cluster-port', String(await freePort())],
        }),
      ),
    );
    const topology = new ClusterTopology(servers);
    try {
      await run('redis-cli', [
        '--cluster',
        'create',
        ...servers.map((s) => `127.0.0.1:${s.port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ]);
      await topology.waitHealthy();
    } catch (err) {
      await topology.stop();
      throw err;
    }
    return topology;
  }

  /** `host:port,...`, as REDIS_CLUSTER_NODES takes it. */
  get nodes(): string {
    return this.servers.map((s) => `127.0.0.1:${s.port}`).join(',');
  }

  /** Every node agrees the cluster is up and every slot is served. */
  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        const states = await Promise.all(this.servers.map((s) => clusterInfo(s.port)));
        return states.every(
          (i) => i.includes('cluster_state:ok') && i.includes('cluster_slots_ok:16384'),
        );
      },
      'the Redis cluster',
      timeoutMs,
    );
  }

  /** A cluster client, for probes and test set-up. */
  client(): Cluster {
    const cluster = new Redis.Cluster(
      this.servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
      { redisOptions: { maxRetriesPerRequest: 1 } },
    );
    cluster.on('error', () => undefined); // a killed node is expected in the fault suite
    return cluster;
  }

  /** The ports of the nodes that are primaries now. */
  async primaryPorts(): Promise<number[]> {
    const roles = await Promise.all(
      this.servers.map(async (s) => ({ port: s.port, info: await clusterRole(s.port) })),
    );
    return roles.filter((r) => r.info === 'master').map((r) => r.port);
  }

  /** The hash slot of a key (or of its hash tag). */
  async slotOf(key: string): Promise<number> {
    return Number(await this.ask((r) => r.call('CLUSTER', 'KEYSLOT', key)));
  }

  /** The server that is the primary of a slot now, as a live node sees it. */
  async primaryOf(slot: number): Promise<RedisServer> {
    const port = await this.ask(async (r) =>
      ownerOf(String(await r.call('CLUSTER', 'NODES')), slot),
    );
    const server = this.servers.find((s) => s.port === port);
    if (!server) throw new Error(`no live primary serves slot ${slot}`);
    return server;
  }

  /** Waits until a node other than `old` is the slot's primary, and every live node is ok. */
  async waitNewPrimary(slot: number, old: RedisServer, timeoutMs = 30_000): Promise<RedisServer> {
    const live = this.servers.filter((s) => s !== old);
    let promoted: RedisServer | undefined;
    await waitFor(
      async () => {
        const states = await Promise.all(live.map((s) => clusterInfo(s.port).catch(() => '')));
        if (!states.every((i) => i.includes('cluster_state:ok'))) return false;
        promoted = await this.primaryOf(slot).catch(() => undefined);
        return promoted !== undefined && promoted !== old;
      },
      `a new primary for slot ${slot}`,
      timeoutMs,
    );
    return promoted!;
  }

  /** The first live node's answer. */
  private async ask<T>(question: (redis: Redis) => Promise<T>): Promise<T> {
    for (const server of this.servers) {
      const redis = new Redis(server.port, '127.0.0.1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
      });
      redis.on('error', () => undefined);
      try {
        await redis.connect();
        return await question(redis);
      } catch {
        // killed: ask the next one
      } finally {
        redis.disconnect();
      }
    }
    throw new Error('no node of the cluster answers');
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}

/**
 * The port of the primary that serves `slot`, from CLUSTER NODES lines:
 * `<id> <ip:port@bus> <flags> <primary> <ping> <pong> <epoch> <link> <slot ranges...>`.
 */
export function ownerOf(nodes: string, slot: number): number | undefined {
  for (const line of nodes.trim().split('\n')) {
    const [, address, flags, , , , , link, ...ranges] = line.split(' ');
    if (!flags.split(',').includes('master') || flags.includes('fail') || link !== 'connected')
      continue;
    const serves = ranges.some((range) => {
      if (range.startsWith('[')) return false; // a slot being migrated
      const [from, to = from] = range.split('-').map(Number);
      return slot >= from && slot <= to;
    });
    if (serves) return Number(address.split('@')[0].split(':').pop());
  }
  return undefined;
}

async function clusterInfo(port: number): Promise<string> {
  const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return String(await redis.call('CLUSTER', 'INFO'));
  } finally {
    redis.disconnect();
  }
}

async function clusterRole(port: number): Promise<string> {
  const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const [role] = (await redis.call('ROLE')) as [string];
    return role;
  } finally {
    redis.disconnect();
  }
}
