import { Logger } from '@nestjs/common';
import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import type { AppConfig } from '@flash/config';

type RedisPlace = Pick<AppConfig, 'redisUrl' | 'redisSentinel' | 'redisCluster'>;

/**
 * A connection to one server (or the primary Sentinel names), or to a Redis Cluster. Both
 * speak the same commands; on a cluster every command, script and MULTI must keep to one
 * slot, which the sale's hash tag gives all of a sale's keys.
 */
export type RedisClient = Redis | Cluster;

/**
 * Where to connect, for every Redis client of the project (commands, subscribers, BullMQ):
 * the server at REDIS_URL, or the primary the sentinels name. With Sentinel, ioredis asks the
 * sentinels again whenever the connection drops and checks that the server it reaches is a
 * primary, so every client follows a failover by itself.
 */
export function redisOptions(config: RedisPlace): RedisOptions {
  const url = new URL(config.redisUrl);
  const auth = authOf(url);
  const sentinel = config.redisSentinel;
  if (!sentinel) return { host: url.hostname, port: Number(url.port || 6379), ...auth };
  return {
    ...auth,
    sentinels: sentinel.sentinels,
    name: sentinel.name,
    sentinelPassword: sentinel.password,
    enableTLSForSentinelMode: auth.tls !== undefined,
    // No failoverDetector: with it, a client whose old primary came back as a replica was
    // seen to end up closed for good in the fault suite. A primary that dies or is demoted
    // drops its clients, and they ask the sentinels again.
    // Sentinels learnt from the sentinels themselves join the list asked next time.
    updateSentinels: true,
  };
}

/** REDIS_URL's credentials, database and TLS, whichever the topology. */
function authOf(url: URL) {
  return {
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };
}

/**
 * The cluster client's options: the nodes' connections take REDIS_URL's credentials and TLS
 * (a cluster has only database 0), and every command goes to the primary of its slot.
 */
export function clusterOptions(config: RedisPlace, redis: RedisOptions = {}): ClusterOptions {
  const { username, password, tls } = authOf(new URL(config.redisUrl));
  return { redisOptions: { username, password, tls, ...redis }, scaleReads: 'master' };
}

/** While Redis is away each reconnection attempt fails: one line per connection per this long. */
const ERROR_REPORT_INTERVAL_MS = 10_000;
const logger = new Logger('Redis');

export interface ClientRole {
  /**
   * Commands issued in the same event-loop tick go out in one write: under a flood of
   * purchases this saves a syscall per request.
   */
  autoPipelining?: boolean;
  /**
   * A client that SSUBSCRIBEs to sales' shard channels. On a cluster it keeps one
   * subscriber connection per primary and sends each SSUBSCRIBE to the primary of the
   * channel's slot; a single server takes them on one connection.
   */
  shardedSubscriber?: boolean;
}

export function createRedis(config: RedisPlace, name: string, role: ClientRole = {}): RedisClient {
  const connection = {
    connectionName: name,
    // Fail fast while Redis is away instead of queueing purchases that would answer late.
    maxRetriesPerRequest: 1,
  };
  const enableAutoPipelining = role.autoPipelining ?? false;
  const redis: RedisClient = config.redisCluster
    ? new Cluster(config.redisCluster.nodes, {
        ...clusterOptions(config, connection),
        enableAutoPipelining,
        shardedSubscribers: role.shardedSubscriber ?? false,
      })
    : new Redis({ ...redisOptions(config), ...connection, enableAutoPipelining });
  // Commands fail on their own (and answer 503); the connection's errors are only reported.
  let reportedAt = 0;
  redis.on('error', (err: Error) => {
    if (Date.now() - reportedAt < ERROR_REPORT_INTERVAL_MS) return;
    reportedAt = Date.now();
    logger.warn(`${name}: ${err.message} (reconnecting)`);
  });
  return redis;
}
