import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig, DurabilityConfig } from '@flash/config';
import { Cluster } from 'ioredis';
import { REDIS, RedisClient, RedisKeys, createRedis } from '@flash/redis';

/** How much longer than its WAIT timeout a round may take before it counts as failed. */
const ROUND_GRACE_MS = 500;

/**
 * Group commit for replica acknowledgement (PURCHASE_WAIT_REPLICAS). WAIT only covers the
 * writes of the connection that sends it, and blocks that connection until it returns, so
 * it is never sent on the shared purchase connection. Instead each round writes a marker on
 * a connection of its own and WAITs there: the marker's replication offset is past every
 * purchase whose script had answered before the round began, so one WAIT confirms all of
 * them. Purchases that answer while a round is out wait for the next one, so a busy sale
 * pays one WAIT per round trip to the replicas, not one per purchase.
 */
export class ReplicaAckRounds {
  private inFlight: Promise<boolean> | null = null;
  private queued: Promise<boolean> | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly markerKey: string,
    private readonly wanted: DurabilityConfig,
  ) {}

  /** Resolves true once the wanted replicas (and AOF) hold every write answered before the call. */
  confirm(): Promise<boolean> {
    if (!this.inFlight) return this.startRound();
    this.queued ??= this.inFlight.then(() => {
      this.queued = null;
      return this.startRound();
    });
    return this.queued;
  }

  private startRound(): Promise<boolean> {
    const round = this.round();
    this.inFlight = round;
    void round.then(() => {
      if (this.inFlight === round) this.inFlight = null;
    });
    return round;
  }

  /**
   * Never rejects, and never outlives its deadline: a Redis that fails to answer (a command
   * caught in a failover may wait for a reconnection) has not confirmed anything, and the
   * purchases queued behind the round must not wait for it.
   */
  private round(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.wanted.waitTimeoutMs + ROUND_GRACE_MS);
    });
    return Promise.race([this.waitOnce(), deadline]).finally(() => clearTimeout(timer));
  }

  private async waitOnce(): Promise<boolean> {
    const { waitReplicas, waitTimeoutMs, waitLocalAof } = this.wanted;
    const wait = waitLocalAof
      ? ['WAITAOF', 1, waitReplicas, waitTimeoutMs]
      : ['WAIT', waitReplicas, waitTimeoutMs];
    try {
      const results = await this.redis
        .pipeline()
        .incr(this.markerKey)
        .call(...(wait as [string, ...number[]]))
        .exec();
      const [err, acks] = results?.[1] ?? [new Error('no answer')];
      if (err) return false;
      return acknowledged(acks, this.wanted);
    } catch {
      return false;
    }
  }
}

/** Whether a WAIT (a count) or WAITAOF ([local, replicas]) reply meets the wanted durability. */
export function acknowledged(reply: unknown, wanted: DurabilityConfig): boolean {
  if (wanted.waitLocalAof) {
    const [local, replicas] = reply as [number, number];
    return local >= 1 && replicas >= wanted.waitReplicas;
  }
  return (reply as number) >= wanted.waitReplicas;
}

/**
 * The replica wait of each sale, on one connection of the instance's own.
 *
 * A confirmation only vouches for writes made on the server that confirmed them. A failover
 * moves the connections to another server, where a WAIT would wrongly vouch for writes the old
 * primary took with it; so every connection involved is watched, and a confirmation counts
 * only if none of them reconnected since the caller's writes began (`epoch()` before them).
 */
@Injectable()
export class ReplicaAcks implements OnModuleInit, OnApplicationShutdown {
  readonly enabled: boolean;
  private redis?: RedisClient;
  private readonly rounds = new Map<string, ReplicaAckRounds>();
  private connections = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: RedisKeys,
    @Inject(REDIS) private readonly commands: RedisClient,
  ) {
    const d = config.durability;
    this.enabled = d.waitReplicas > 0 || d.waitLocalAof;
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled) return;
    this.redis = createRedis(this.config, 'flash-sale-durability');
    this.watch(this.redis);
    this.watch(this.commands);
    if (this.config.durability.waitLocalAof) await this.requireWaitAof(this.redis);
  }

  /**
   * Counts the (re)connections of a client whose writes confirmations vouch for. A cluster
   * client stays ready through a failover: there the pool losing or gaining a node counts.
   */
  watch(redis: RedisClient): void {
    if (!this.enabled) return;
    const changed = () => this.connections++;
    redis.on('ready', changed);
    if (redis instanceof Cluster) redis.on('+node', changed).on('-node', changed);
  }

  /** Changes whenever a watched connection reconnected (to this or another server). */
  epoch(): number {
    return this.connections;
  }

  /**
   * True once the purchases of this sale answered so far are as durable as configured, on the
   * server every watched connection was on at `since` (an epoch() taken before the writes).
   */
  async confirm(saleId: string, since: number, shard = 0): Promise<boolean> {
    if (!this.redis) return true;
    const key = shard === 0 ? saleId : `${saleId}:${shard}`;
    let rounds = this.rounds.get(key);
    if (!rounds) {
      // The marker lives in the slot of the sale (or its shard), next to the writes it vouches for.
      rounds = new ReplicaAckRounds(
        this.redis,
        this.keys.sale(saleId, shard).ackMarker,
        this.config.durability,
      );
      this.rounds.set(key, rounds);
    }
    const confirmed = await rounds.confirm();
    return confirmed && this.epoch() === since;
  }

  private async requireWaitAof(redis: RedisClient): Promise<void> {
    const [info] = (await redis.call('COMMAND', 'INFO', 'WAITAOF')) as unknown[];
    if (!info) {
      throw new Error(
        'PURCHASE_WAIT_LOCAL_AOF=true needs WAITAOF, which this Redis lacks (Redis 7.2 or newer)',
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}
