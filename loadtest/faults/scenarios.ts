import { Job, Queue, QueueEvents } from 'bullmq';
import { Client } from 'pg';
import type { OrdersJobData } from '@flash/orders';
import { loadConfig } from '@flash/config';
import { RELAY_GROUP } from '@flash/inventory';
import { RedisKeys } from '@flash/redis';
import { CrowdResult, startCrowd } from './crowd';
import { FaultStack } from './fault-stack';
import type { FaultTargets } from './fault-table';
import { meetsTargets } from './fault-table';
import { FaultProxy } from './fault-proxy';
import { ClusterTopology } from './cluster-topology';
import { SentinelTopology } from './sentinel-topology';
import { PostgresServer, RedisPersistence, RedisServer } from './servers';
import { FaultVerdict, judge } from './verdict';

/** How big each run is: the full suite and the CI subset differ only here. */
export interface FaultSize {
  stock: number;
  buyers: number;
  concurrency: number;
  arrivalsPerSecond: number;
}

export const FULL_SIZE: FaultSize = {
  stock: 3000,
  buyers: 6000,
  concurrency: 50,
  arrivalsPerSecond: 200,
};
export const CI_SIZE: FaultSize = {
  stock: 400,
  buyers: 800,
  concurrency: 20,
  arrivalsPerSecond: 80,
};

interface FaultContext {
  saleId: string;
  stack: FaultStack;
  /** The Redis primary (the only Redis, outside the Sentinel scenarios); none on a cluster. */
  redis: RedisServer | null;
  /** The primary, replica and sentinels, in the scenarios that have them. */
  ha: SentinelTopology | null;
  /** The 6-node Redis Cluster, in the scenarios that run on one. */
  cluster: ClusterTopology | null;
  /** The proxy between the API and Redis, in the scenarios that have one. */
  apiLink: FaultProxy | null;
  pg: PostgresServer;
  crowd: CrowdResult;
  size: FaultSize;
  /** What the scenario wants said beside its verdict. */
  notes: string[];
}

export interface FaultScenario {
  id: string;
  title: string;
  /** Settings of the apps for this scenario. */
  env?: Record<string, string>;
  redisPersistence?: RedisPersistence;
  /**
   * `sentinel`: a primary, a replica and three sentinels; `lagging-replica`: the same with
   * the replica's link through a proxy the scenario can pause; `api-proxy`: one Redis, reached
   * by the API through a fault proxy; `cluster`: 3 primaries and 3 replicas.
   */
  topology?: 'single' | 'sentinel' | 'lagging-replica' | 'api-proxy' | 'cluster';
  /** Injects the fault while the crowd buys; returns when it ended (ms), or null. */
  inject(ctx: FaultContext): Promise<number | null>;
  /** Seconds the crowd may run, beyond what the fault takes. */
  budgetSeconds: number;
  /** API instances behind HAProxy, and workers; one of each by default. */
  instances?: { apis: number; workers: number };
  /** A size of the scenario's own, whatever size the suite runs at. */
  size?: FaultSize;
  /** The crowd races each order's transitions (pay, cancel, expiry) instead of buying only. */
  raceLifecycle?: { paymentWindowMs: number };
  /** Checks of the scenario's own, on the drained database. */
  checks?: (db: Client, saleId: string) => Promise<string[]>;
  /** What it must meet beyond what every scenario keeps. */
  targets?: FaultTargets;
  /** In CI's short subset (npm test runs it at CI_SIZE). */
  ci?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the crowd has this many acknowledged orders (or the sale sold out). */
async function afterAcks(ctx: FaultContext, share: number): Promise<void> {
  const wanted = Math.floor(ctx.size.stock * share);
  while (ctx.crowd.acknowledged.length < wanted && !ctx.crowd.soldOut) await sleep(20);
}

/** Restarts the scenario's Redis empty once this share of the stock is acknowledged. */
async function emptyRedisAfter(ctx: FaultContext, share: number): Promise<number> {
  await afterAcks(ctx, share);
  await ctx.redis!.restartEmpty();
  return Date.now();
}

/** Stops Postgres a quarter into the sale, for this long. */
async function postgresDownFor(ctx: FaultContext, ms: number): Promise<number> {
  await afterAcks(ctx, 1 / 4);
  ctx.pg.stop();
  await sleep(ms);
  await ctx.pg.start();
  return Date.now();
}

/**
 * Kills the primary once this share of the stock is acknowledged (after pausing the replica's
 * link for `lagMs`); the sentinels promote the replica.
 */
async function failoverAfter(ctx: FaultContext, share: number, lagMs = 0): Promise<number> {
  const ha = ctx.ha!;
  await afterAcks(ctx, share);
  if (lagMs > 0) {
    // The replica stays up and connected, but receives nothing: it falls behind.
    ha.replicationLink!.pause();
    await sleep(lagMs);
  }
  const killedAt = Date.now();
  await ha.primary.kill();
  await ha.waitFailover();
  ctx.notes.push(
    `replica promoted ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`,
  );
  // Its supervisor restarts the old primary as a replica of the new one (the sentinels would
  // convert it too, ~20 s later): until then a purchase that waits for a replica fails closed.
  await ha.primary.restartAsReplicaOf(ha.replica.port);
  return killedAt;
}

/**
 * Kills the cluster primary that holds the sale once this share of the stock is acknowledged;
 * the other primaries vote its replica in. The old primary comes back empty and rejoins as a
 * replica of the new one, as a supervisor would restart it.
 */
async function clusterFailoverAfter(ctx: FaultContext, share: number): Promise<number> {
  const cluster = ctx.cluster!;
  await afterAcks(ctx, share);
  const slot = await cluster.slotOf(`{sale:${ctx.saleId}}`);
  const primary = await cluster.primaryOf(slot);
  const killedAt = Date.now();
  await primary.kill();
  const promoted = await cluster.waitNewPrimary(slot, primary);
  ctx.notes.push(
    `primary :${primary.port} of slot ${slot} killed, replica :${promoted.port} seen promoted ` +
      `${((Date.now() - killedAt) / 1000).toFixed(1)} s after`,
  );
  await primary.start();
  return killedAt;
}

/**
 * The outbox entries a relay of process `pid` read and never acknowledged; after `waitMs`,
 * as soon as none is left.
 */
async function relayPending(ctx: FaultContext, pid: number, waitMs = 0): Promise<number> {
  const redis = ctx.cluster!.client();
  const keys = new RedisKeys(loadConfig(ctx.stack.env).redisKeyPrefix);
  const outbox = keys.sale(ctx.saleId).outbox;
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      const consumers = (await redis.xinfo('CONSUMERS', outbox, RELAY_GROUP)) as unknown[][];
      const held = consumers
        .map((fields) => ({ name: String(fields[1]), pending: Number(fields[3]) }))
        .filter((c) => c.name.includes(`-${pid}-`))
        .reduce((n, c) => n + c.pending, 0);
      if (held === 0 || Date.now() >= deadline) return held;
      await sleep(200);
    }
  } finally {
    redis.disconnect();
  }
}

/** The same replica-lag failover, without and with the replica wait. */
/** Purchases are back within 10 s of a failover, and 30 s of a Redis restarted empty. */
const FAILOVER_RESUME_MS = 10_000;
const EMPTY_RESTART_RESUME_MS = 30_000;

export const laggingFailover = (id: string, waitReplicas: boolean): FaultScenario => ({
  id,
  title: waitReplicas
    ? 'the same, with each purchase waiting for the replica (PURCHASE_WAIT_REPLICAS=1, 100 ms)'
    : 'the replica lags 2 s behind (paused link), then the primary is killed; no replica wait',
  topology: 'lagging-replica',
  env: waitReplicas ? { PURCHASE_WAIT_REPLICAS: '1', PURCHASE_WAIT_TIMEOUT_MS: '100' } : {},
  // Without the wait, what the replica had not received when the primary died is lost.
  targets: { mayLose: !waitReplicas, resumeWithinMs: FAILOVER_RESUME_MS },
  ci: waitReplicas,
  budgetSeconds: 60,
  inject: (ctx) => failoverAfter(ctx, 1 / 3, 2000),
});

export const SCENARIOS: FaultScenario[] = [
  {
    id: 'a',
    targets: { resumeWithinMs: FAILOVER_RESUME_MS },
    ci: true,
    title: 'the Redis primary is killed; Sentinel promotes its caught-up replica',
    topology: 'sentinel',
    budgetSeconds: 60,
    inject: (ctx) => failoverAfter(ctx, 1 / 3),
  },
  laggingFailover('b', false),
  laggingFailover('b-wait', true),
  {
    id: 'k',
    targets: { mayLose: true, resumeWithinMs: FAILOVER_RESUME_MS },
    ci: true,
    title:
      'Redis Cluster: the primary holding the sale is killed a third into it; the cluster promotes its replica',
    topology: 'cluster',
    budgetSeconds: 60,
    inject: (ctx) => clusterFailoverAfter(ctx, 1 / 3),
  },
  {
    id: 'k-wait',
    targets: { resumeWithinMs: FAILOVER_RESUME_MS },
    title:
      'the same, with each purchase waiting for its shard’s replica (PURCHASE_WAIT_REPLICAS=1)',
    topology: 'cluster',
    env: { PURCHASE_WAIT_REPLICAS: '1', PURCHASE_WAIT_TIMEOUT_MS: '100' },
    budgetSeconds: 60,
    inject: (ctx) => clusterFailoverAfter(ctx, 1 / 3),
  },
  {
    id: 'l',
    targets: { resumeWithinMs: FAILOVER_RESUME_MS },
    ci: true,
    title:
      'Redis Cluster, 3 API instances behind HAProxy and 2 workers: one API killed with kill -9 a third into the sale',
    topology: 'cluster',
    instances: { apis: 3, workers: 2 },
    budgetSeconds: 60,
    async inject(ctx) {
      await afterAcks(ctx, 1 / 3);
      const pid = ctx.stack.apis[1].process!.child.pid!;
      const killedAt = Date.now();
      await ctx.stack.killApi(1);
      const held = await relayPending(ctx, pid);
      ctx.notes.push(
        `api2 of 3 killed holding ${held} unacknowledged outbox entries; ` +
          `${await relayPending(ctx, pid, 30_000)} left once the others had claimed them`,
      );
      return killedAt;
    },
  },
  {
    id: 'c',
    targets: { mayLose: true, resumeWithinMs: EMPTY_RESTART_RESUME_MS },
    ci: true,
    title: 'Redis restarts empty (no persistence) a third into the sale',
    budgetSeconds: 60,
    inject: (ctx) => emptyRedisAfter(ctx, 1 / 3),
  },
  {
    id: 'c100k',
    targets: { mayLose: true, resumeWithinMs: EMPTY_RESTART_RESUME_MS },
    title: 'Redis restarts empty when 90,000 of 100,000 units are sold (the rebuild at size)',
    budgetSeconds: 240,
    size: { stock: 100_000, buyers: 110_000, concurrency: 100, arrivalsPerSecond: 1_000_000 },
    inject: (ctx) => emptyRedisAfter(ctx, 0.9),
  },
  {
    id: 'd30',
    ci: true,
    title: 'Postgres down for 30 s',
    budgetSeconds: 90,
    inject: (ctx) => postgresDownFor(ctx, 30_000),
  },
  {
    id: 'd300',
    title: 'Postgres down for 5 min',
    budgetSeconds: 400,
    inject: (ctx) => postgresDownFor(ctx, 300_000),
  },
  {
    id: 'e',
    ci: true,
    title: 'API killed with kill -9 five times, restarted at once (relay mid-batch)',
    budgetSeconds: 90,
    async inject(ctx) {
      for (let i = 0; i < 5; i++) {
        await afterAcks(ctx, (i + 1) / 8);
        await ctx.stack.killApi();
        await ctx.stack.startApi();
      }
      return Date.now();
    },
  },
  {
    id: 'f',
    ci: true,
    title: 'worker killed with kill -9 three times',
    budgetSeconds: 90,
    env: {
      ORDER_BATCH_LINGER_MS: '200',
      WORKER_LOCK_DURATION_MS: '1000',
      WORKER_STALLED_INTERVAL_MS: '1000',
    },
    async inject(ctx) {
      for (let i = 0; i < 3; i++) {
        await afterAcks(ctx, (i + 1) / 5);
        await ctx.stack.killWorker();
        await sleep(500);
        ctx.stack.startWorker();
      }
      return Date.now();
    },
  },
  {
    id: 'i',
    title: '1,000 orders whose pay, cancel and expiry race each other',
    budgetSeconds: 60,
    size: { stock: 1000, buyers: 1000, concurrency: 100, arrivalsPerSecond: 2000 },
    env: { PAYMENT_WINDOW_SECONDS: '2', EXPIRY_SWEEP_INTERVAL_MS: '300' },
    raceLifecycle: { paymentWindowMs: 2000 },
    async inject(ctx) {
      // Every order settles: paid, cancelled or expired, none left held.
      await afterAcks(ctx, 0.99);
      for (let i = 0; i < 150; i++) {
        const stats = await ctx.stack.get(`/admin/sales/${ctx.saleId}/stats`);
        if (stats.status === 200 && stats.body.held === 0) {
          ctx.notes.push(
            `${String(stats.body.paid)} paid, ${String(stats.body.remaining)} back on sale (cancelled or expired)`,
          );
          break;
        }
        await sleep(200);
      }
      return null;
    },
    checks: lifecycleChecks,
  },
  {
    id: 'g',
    ci: true,
    title: '200 ms of latency between the API and Redis for 5 s, then connection resets for 3 s',
    topology: 'api-proxy',
    budgetSeconds: 60,
    async inject(ctx) {
      const link = ctx.apiLink!;
      await afterAcks(ctx, 1 / 4);
      link.delay(200);
      await sleep(5000);
      link.resetAll();
      await sleep(3000);
      link.pass();
      return Date.now();
    },
  },
  {
    id: 'h',
    title: 'every persistence job delivered twice',
    budgetSeconds: 60,
    async inject(ctx) {
      const duplicator = duplicateEveryJob(ctx.redis!.url);
      await afterAcks(ctx, 1);
      await sleep(2000);
      ctx.notes.push(`${await duplicator.stop()} jobs delivered twice`);
      return null;
    },
  },
];

/**
 * After the races: every order closed exactly once, and the money matches the status: a paid
 * order kept exactly one charge, any other order kept none (never charged, or refunded).
 */
async function lifecycleChecks(db: Client, saleId: string): Promise<string[]> {
  const { rows } = await db.query<{ status: string; n: number; kept: number; charges: number }>(
    `SELECT o.status, count(*)::int AS n,
            count(*) FILTER (WHERE c.kept > 0)::int AS kept,
            coalesce(sum(c.charges), 0)::int AS charges
     FROM orders o
     LEFT JOIN (SELECT order_id, count(*) AS charges,
                       count(*) FILTER (WHERE status = 'succeeded') AS kept
                FROM gateway_charges GROUP BY order_id) c ON c.order_id = o.id
     WHERE o.sale_id = $1 GROUP BY o.status`,
    [saleId],
  );
  const misses: string[] = [];
  for (const row of rows) {
    if (row.status === 'pending_payment') misses.push(`${row.n} orders never closed`);
    if (row.status === 'paid' && row.kept !== row.n)
      misses.push(`${row.n - row.kept} paid orders without their charge`);
    if (row.status !== 'paid' && row.kept > 0)
      misses.push(`${row.kept} ${row.status} orders still charged`);
  }
  const paid = rows.find((r) => r.status === 'paid');
  if (paid && paid.charges > paid.n)
    misses.push(`${paid.charges - paid.n} paid orders charged twice`);
  return misses;
}

/** Adds a copy of every persistence job under another id: each batch is written twice. */
function duplicateEveryJob(redisUrl: string): { stop(): Promise<number> } {
  const url = new URL(redisUrl);
  const connection = { host: url.hostname, port: Number(url.port) };
  const queue = new Queue<OrdersJobData>('orders', { connection });
  const events = new QueueEvents('orders', { connection });
  const copies: Promise<unknown>[] = [];
  events.on('added', ({ jobId, name }) => {
    if (name !== 'persist-orders' || jobId.startsWith('twice-')) return;
    copies.push(
      Job.fromId<OrdersJobData>(queue, jobId).then((job) =>
        job ? queue.add(name, job.data, { ...job.opts, jobId: `twice-${jobId}` }) : undefined,
      ),
    );
  });
  return {
    async stop() {
      await Promise.allSettled(copies);
      await events.close();
      await queue.close();
      return copies.length;
    },
  };
}

/** Runs one scenario on fresh servers and returns its verdict. */
export async function runFault(
  scenario: FaultScenario,
  suiteSize: FaultSize,
  pg: PostgresServer,
): Promise<FaultVerdict> {
  const size = scenario.size ?? suiteSize;
  const database = `fault_${scenario.id}_${Date.now().toString(36)}`;
  await adminQuery(pg, `CREATE DATABASE "${database}"`);
  const databaseUrl = pg.url(database);
  const topology = await startTopology(scenario);
  const stack = await FaultStack.start({
    databaseUrl,
    env: { ...topology.env, ...scenario.env },
    apiEnv: topology.apiEnv,
    instances: scenario.instances,
  }).catch(async (err: Error) => {
    await topology.stop(); // its processes must not outlive a stack that failed to start
    throw err;
  });
  const redis = topology.redis;
  try {
    const saleId = await stack.createSale(size.stock);
    const crowd = startCrowd({
      baseUrl: stack.baseUrl,
      saleId,
      jwtSecret: stack.jwtSecret,
      buyers: size.buyers,
      concurrency: size.concurrency,
      arrivalsPerSecond: size.arrivalsPerSecond,
      payShare: 0.5,
      raceLifecycle: scenario.raceLifecycle,
      untilMs: Date.now() + scenario.budgetSeconds * 1000,
    });
    const notes: string[] = [];
    const faultEnded = await scenario.inject({
      saleId,
      stack,
      redis,
      ha: topology.ha,
      cluster: topology.cluster,
      apiLink: topology.apiLink,
      pg,
      crowd: crowd.result,
      size,
      notes,
    });
    const result = await crowd.done;
    const verdict = await judge({
      scenario: scenario.id,
      stack,
      databaseUrl,
      saleId,
      stock: size.stock,
      crowd: result,
      faultEndedAtMs: faultEnded,
      notes: notes.join('; '),
      checks: scenario.checks,
    });
    if (!meetsTargets(verdict, scenario.targets).ok)
      verdict.notes += `; logs in ${stack.keepLogs(scenario.id)}`;
    return verdict;
  } finally {
    await stack.stop();
    await topology.stop();
    await adminQuery(pg, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(
      () => undefined,
    );
  }
}

interface Topology {
  redis: RedisServer | null;
  ha: SentinelTopology | null;
  cluster: ClusterTopology | null;
  apiLink: FaultProxy | null;
  /** Settings of both apps, and of the API alone. */
  env: Record<string, string>;
  apiEnv: Record<string, string>;
  stop(): Promise<void>;
}

async function startTopology(scenario: FaultScenario): Promise<Topology> {
  const persistence = scenario.redisPersistence ?? 'none';
  const kind = scenario.topology ?? 'single';
  if (kind === 'cluster') {
    const cluster = await ClusterTopology.start();
    return {
      redis: null,
      ha: null,
      cluster,
      apiLink: null,
      env: { REDIS_CLUSTER_NODES: cluster.nodes },
      apiEnv: {},
      stop: () => cluster.stop(),
    };
  }
  if (kind === 'sentinel' || kind === 'lagging-replica') {
    const ha = await SentinelTopology.start(persistence, {
      linkThroughProxy: kind === 'lagging-replica',
    });
    return {
      redis: ha.primary,
      ha,
      cluster: null,
      apiLink: null,
      env: ha.env,
      apiEnv: {},
      stop: () => ha.stop(),
    };
  }
  const redis = await RedisServer.start(persistence);
  const apiLink = kind === 'api-proxy' ? await FaultProxy.start(redis.port) : null;
  return {
    redis,
    ha: null,
    cluster: null,
    apiLink,
    env: { REDIS_URL: redis.url },
    apiEnv: apiLink ? { REDIS_URL: `redis://127.0.0.1:${apiLink.port}` } : {},
    async stop() {
      await apiLink?.stop();
      await redis.stop();
    },
  };
}

async function adminQuery(pg: PostgresServer, sql: string): Promise<void> {
  const client = new Client({ connectionString: pg.url('postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
