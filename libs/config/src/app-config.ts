/**
 * Typed configuration, read once from the environment at start-up.
 * Every value is checked here so a bad deployment fails before it takes traffic,
 * with a message naming the variable.
 */
import { isIP } from 'node:net';
import { readPasswordFile, withPasswordFile } from './connection-passwords';
import { SECRET_NAMES, SecretOrigins, Secrets, SecretsSource, resolveSecrets } from './secrets';

export type NodeEnv = 'development' | 'test' | 'production';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  nodeEnv: NodeEnv;
  /** pino's level (LOG_LEVEL): at info nothing is logged per request that succeeds or is refused. */
  logLevel: LogLevel;
  /** Where the secrets came from: set explicitly, generated for this install, or test values. */
  secretsSource: SecretsSource;
  /** Where each secret came from, for the start-up log (never the values). */
  secretOrigins: SecretOrigins;
  port: number;
  host: string;
  /** Operations routes: who may read them. */
  ops: {
    /** Swagger UI and the OpenAPI document at /docs (API_DOCS; off in production unless set). */
    docs: boolean;
    /**
     * A bearer token for /metrics and /health's details (METRICS_TOKEN): required in
     * production; unset elsewhere, /metrics is open. An admin token is accepted too.
     */
    metricsToken: string;
  };
  /** The queue board (bull-board, apps/queue-board). */
  queueBoard: {
    port: number;
    /** Whether an admin may change jobs there (pause, retry, clean, add); read-only by default. */
    writes: boolean;
  };
  /**
   * The Redis server (REDIS_URL). With Sentinel, its host is ignored: the primary is asked of
   * the sentinels, while its credentials, database and TLS still apply.
   */
  redisUrl: string;
  /** A primary with replicas behind Redis Sentinel, or null for one server at REDIS_URL. */
  redisSentinel: RedisSentinelConfig | null;
  /**
   * Redis Cluster's seed nodes (REDIS_CLUSTER_NODES), or null. The client learns the rest of
   * the cluster from them; REDIS_URL's credentials and TLS still apply, its host does not.
   */
  redisCluster: RedisClusterConfig | null;
  /** How durable a purchase is before it answers 202 (on top of the server's own AOF). */
  durability: DurabilityConfig;
  /** Prefix for every key and channel this project writes (tests use a random one). */
  redisKeyPrefix: string;
  databaseUrl: string;
  /** Postgres schema the app works in (tests use a throwaway one). */
  databaseSchema: string;
  databasePoolSize: number;
  /** How long `npm run migrate` waits for the database to answer before it gives up. */
  migrateWaitSeconds: number;
  /**
   * The role the apps connect as, created (or its password set) by `npm run migrate` when
   * DATABASE_APP_ROLE is set: reads and writes on the schema's tables, and nothing else.
   */
  databaseAppRole: { name: string; password: string } | null;
  jwtSecret: string;
  /** Buyer and admin tokens living longer than this (iat to exp, or now to exp) are refused. */
  jwtMaxLifetimeSeconds: number;
  devTokens: boolean;
  /**
   * Host names (besides loopback and localhost) that the dev-token route, the admin routes and
   * the queue board answer to while DEV_TOKENS is on: a guard against DNS rebinding.
   */
  allowedHosts: string[];
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  /** Slow clients: how long a connection may take to send its headers, and its whole request. */
  http: {
    headersTimeoutMs: number;
    requestTimeoutMs: number;
  };
  /**
   * Where a purchase decrements stock. `redis` is this project's design; `postgres` is the
   * naive baseline (a row lock on the sale's stock inside the request), kept to measure against.
   */
  purchaseStrategy: 'redis' | 'postgres';
  /** How long a buyer has to pay for an accepted order before it expires. */
  paymentWindowSeconds: number;
  /** Orders a buyer may cancel in one sale; after that, their purchases in it are refused (0: no budget). */
  cancelsPerBuyer: number;
  /** How often the worker sweeps for orders whose expiry job was late or lost. */
  expirySweepIntervalMs: number;
  /** The virtual waiting room. */
  waitingRoom: {
    /** Signs admission tokens; different from JWT_SECRET so neither token passes for the other. */
    admissionSecret: string;
    /** How often the worker's admission controller lets the next buyers in. */
    tickMs: number;
    /** Open event streams (GET /sales/:id/queue/events) one buyer may hold on one instance. */
    streamsPerBuyer: number;
    /** Open event streams one API instance holds at most. */
    streamsPerInstance: number;
    /**
     * Anonymous streams (a sale's stock) one client address may hold on one instance: behind a
     * balancer, the address is the client's only with TRUST_PROXY.
     */
    streamsPerAddress: number;
  };
  /** Defences against bots on registration and queue joins. */
  botDefence: {
    /** Signs proof-of-work challenges: the admission secret under a label of its own. */
    powSecret: string;
    /** How long a challenge may be solved and redeemed after it was handed out. */
    challengeTtlMs: number;
  };
  /** An external check that a buyer is a person (Turnstile), on registration and queue joins. */
  humanCheck: HumanCheckConfig;
  /** Live pages: how often the worker publishes each active sale's counters, and each API instance its attempts (0: never). */
  pulseIntervalMs: number;
  /** Abuse limits (@nestjs/throttler, counted in Redis so every API instance shares them). */
  rateLimit: {
    windowMs: number;
    /** Requests per window per buyer per route; 0 turns the limit off. */
    perBuyer: number;
    /** Requests per window per client address per route; 0 (the default) turns it off. */
    perIp: number;
    /** Requests without a valid token, per window per client address per route; 0: off. */
    perAnonymous: number;
    /**
     * Postgres lookups of sale ids this process does not know yet, per second: past it such
     * requests answer 429 (known sales are cached, and never wait on this).
     */
    unknownSaleLookupsPerSecond: number;
    /**
     * Which proxies' X-Forwarded-For to believe (TRUST_PROXY): none (false), the last `hops`
     * proxies, or only connections from these addresses and CIDRs. Never "anyone".
     */
    trustProxy: TrustProxy;
  };
  payments: {
    /**
     * Who moves the money: the simulated gateway (development, load tests) or Stripe. In
     * production it must be chosen explicitly; the simulated one then warns at start-up.
     */
    provider: 'simulated' | 'stripe';
    /** ISO 4217 code, lower case, of every amount (minor units). */
    currency: string;
    stripe: StripeConfig;
    /** Where the provider sends signed confirmations (this API's POST /payments/webhook). */
    webhookUrl: string;
    webhookSecret: string;
    /** Deliveries signed longer ago than this are refused (replays of old events). */
    webhookToleranceSeconds: number;
    /** The simulated gateway's behaviour. */
    latencyMs: number;
    declineRate: number;
    failureRate: number;
    webhookDelayMs: number;
  };
  queue: {
    /** BullMQ key prefix. */
    prefix: string;
    /** Seals persistence jobs (JobSeal): the admission secret under a label of its own. */
    sealSecret: string;
    ordersQueue: string;
    /** `batch`: one job per relay batch of orders; `order`: one job per order (job id = order id). */
    jobMode: 'batch' | 'order';
    /** First retry delay of a persistence job; doubles per attempt up to backoffMaxMs. */
    backoffMs: number;
    /** Longest wait between two attempts: persistence jobs retry for as long as it takes. */
    backoffMaxMs: number;
  };
  worker: {
    concurrency: number;
    batchSize: number;
    batchLingerMs: number;
    /** A job whose worker stopped renewing its lock for this long is handed out again. */
    lockDurationMs: number;
    stalledIntervalMs: number;
    /** Port of the worker's Prometheus endpoint (GET /metrics); 0 turns it off. */
    metricsPort: number;
  };
  /** Rebuilding a sale's Redis state from Postgres when Redis lost or rolled back writes. */
  recovery: {
    /** Whether the worker checks live sales and rebuilds the ones Redis lost, by itself. */
    auto: boolean;
    checkIntervalMs: number;
    /** A rebuilt waiting room reopens this long after the rebuild, with a shuffled pre-queue. */
    requeueSeconds: number;
    /** How far before the newest order Postgres had the loss window of a rebuild begins. */
    lossMarginMs: number;
    /** How often the worker audits each live sale (Redis against Postgres); 0: never. */
    auditIntervalMs: number;
    /** Orders younger than this are still in the pipeline: the audit leaves them out. */
    auditGraceMs: number;
  };
  relay: {
    enabled: boolean;
    batchSize: number;
    idleMs: number;
    /** Pending outbox entries idle this long are claimed from a dead consumer. */
    claimIdleMs: number;
  };
}

export type TrustProxy = false | { hops: number } | { addresses: string[] };

/** TRUST_PROXY as Fastify takes it (its `trustProxy` option). */
export function fastifyTrustProxy(trust: TrustProxy): boolean | number | string[] {
  if (trust === false) return false;
  return 'hops' in trust ? trust.hops : trust.addresses;
}

export interface StripeConfig {
  /** The secret API key (STRIPE_SECRET_KEY): required with PAYMENT_PROVIDER=stripe. */
  secretKey: string;
  /** The endpoint's signing secret (STRIPE_WEBHOOK_SECRET, `whsec_...`): required with stripe. */
  webhookSecret: string;
  /** Stripe's API (STRIPE_API_URL): tests point it at a stand-in on loopback. */
  apiUrl: string;
}

export interface HumanCheckConfig {
  /** none: no check; turnstile: every registration and queue join carries a Turnstile token. */
  provider: 'none' | 'turnstile';
  /** The provider's secret key (TURNSTILE_SECRET_KEY): required with a provider. */
  secretKey: string;
  verifyUrl: string;
  timeoutMs: number;
  /** The shop's host names (TURNSTILE_HOSTNAMES): required with a provider. */
  hostnames: string[];
  /**
   * A token the provider refuses: `refuse` answers 403; `suspect` lets the request on and
   * marks the buyer a suspect of the sale, held in its line and never admitted.
   */
  onFail: 'refuse' | 'suspect';
}

export interface RedisSentinelConfig {
  sentinels: { host: string; port: number }[];
  /** The primary's name in the sentinels' configuration (`sentinel monitor <name> ...`). */
  name: string;
  /** AUTH for the sentinels themselves, when they ask for one. */
  password: string | undefined;
}

export interface RedisClusterConfig {
  nodes: { host: string; port: number }[];
}

export interface DurabilityConfig {
  /**
   * Replicas that must hold an accepted purchase before it answers 202 (WAIT after the
   * script); 0 answers at once, and a failover may then lose what the replica lacked.
   */
  waitReplicas: number;
  /** How long a purchase waits for them; past it the order is withdrawn and the answer is 503. */
  waitTimeoutMs: number;
  /** Also wait for the primary's own AOF fsync (WAITAOF, Redis 7.2 or newer). */
  waitLocalAof: boolean;
}

export const TURNSTILE_VERIFY_URL = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';

export const STRIPE_API_URL = 'https://api.stripe.com';

/**
 * `false`, a hop count, or a list of proxy addresses and CIDRs. `true` (believe whoever
 * connects) is refused: with it any client sets its own address in X-Forwarded-For and walks
 * round every per-address limit.
 */
function readTrustProxy(r: Reader, env: Env, name: string): TrustProxy {
  const value = env[name]?.trim() ?? '';
  if (value === '' || value === 'false' || value === '0') return false;
  if (/^\d{1,2}$/.test(value)) return { hops: Number(value) };
  if (value === 'true') {
    r.problems.push(
      "TRUST_PROXY=true would believe any client's X-Forwarded-For: give the proxies' addresses (e.g. 10.0.0.5,10.1.0.0/16) or their number of hops (e.g. 1)",
    );
    return false;
  }
  const addresses = value.split(',').map((a) => a.trim());
  const bad = addresses.filter((a) => !isAddressOrCidr(a));
  if (bad.length > 0) {
    r.problems.push(
      `TRUST_PROXY must be false, a hop count, or a list of addresses and CIDRs (bad: "${bad.join('", "')}")`,
    );
    return false;
  }
  return { addresses };
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, more] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || more !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** No default in production: taking orders with a gateway that moves no money must be chosen. */
function readProvider(r: Reader, env: Env, production: boolean): 'simulated' | 'stripe' {
  if (production && !env.PAYMENT_PROVIDER?.trim()) {
    r.problems.push(
      'PAYMENT_PROVIDER is required when NODE_ENV=production: stripe, or simulated to run without taking money',
    );
  }
  return r.oneOf('PAYMENT_PROVIDER', 'simulated', ['simulated', 'stripe'] as const);
}

function readStripe(r: Reader, provider: string, production: boolean): StripeConfig {
  if (provider !== 'stripe') return { secretKey: '', webhookSecret: '', apiUrl: STRIPE_API_URL };
  return {
    // Secrets: no defaults.
    secretKey: r.secret(
      'STRIPE_SECRET_KEY',
      undefined,
      /^(sk|rk)_[A-Za-z0-9_]+$/,
      'must be a Stripe secret key (sk_... or rk_...)',
    ),
    webhookSecret: r.secret(
      'STRIPE_WEBHOOK_SECRET',
      undefined,
      /^whsec_[A-Za-z0-9_+/=]+$/,
      'must be a webhook signing secret (whsec_...)',
    ),
    apiUrl: r.url('STRIPE_API_URL', STRIPE_API_URL, production ? ['https:'] : ['https:', 'http:']),
  };
}

/** Where each secret came from, as one start-up line (no value is ever printed). */
export function secretsReport(config: AppConfig): string {
  return `secrets: ${SECRET_NAMES.map((n) => `${n} from ${config.secretOrigins[n]}`).join('; ')}`;
}

/**
 * What a process started with that works but should not run that way for long, for its
 * start-up log: each said loudly, every time.
 */
export function startupWarnings(config: AppConfig): string[] {
  const warnings: string[] = [];
  if (config.secretsSource === 'published') {
    warnings.push(
      'secrets: published test values (NODE_ENV=test): anyone can sign tokens for this process. For the test suite only.',
    );
  }
  if (config.nodeEnv === 'production' && config.payments.provider === 'simulated') {
    warnings.push(
      'PAYMENT_PROVIDER=simulated in production: orders are marked paid and NO MONEY MOVES. Set PAYMENT_PROVIDER=stripe to take payments.',
    );
  }
  return warnings;
}

function readHumanCheck(r: Reader, production: boolean): HumanCheckConfig {
  const provider = r.oneOf('HUMAN_CHECK', 'none', ['none', 'turnstile'] as const);
  const on = provider === 'turnstile';
  return {
    provider,
    // Asked for only with a provider: no default, it is a secret.
    secretKey: on ? r.secret('TURNSTILE_SECRET_KEY') : '',
    // A token carries the host it was solved on: only the shop's own count.
    hostnames: on ? r.list('TURNSTILE_HOSTNAMES', [], HOST_NAME, 'host names') : [],
    verifyUrl: r.url(
      'TURNSTILE_VERIFY_URL',
      TURNSTILE_VERIFY_URL,
      production ? ['https:'] : ['https:', 'http:'],
    ),
    timeoutMs: r.int('HUMAN_CHECK_TIMEOUT_MS', 3000, 100, 60_000),
    onFail: r.oneOf('HUMAN_CHECK_ON_FAIL', 'refuse', ['refuse', 'suspect'] as const),
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback?: string, pattern?: RegExp, hint?: string): string {
    const value = this.raw(name) ?? fallback;
    if (value === undefined) {
      this.problems.push(`${name} is required`);
      return '';
    }
    if (pattern && !pattern.test(value)) {
      this.problems.push(`${name} ${hint ?? `must match ${String(pattern)}`} (got "${value}")`);
    }
    return value;
  }

  /** A secret: required unless it has a fallback, checked, and never echoed in a message. */
  secret(name: string, fallback?: string, pattern?: RegExp, hint?: string): string {
    const value = this.raw(name) ?? fallback;
    if (value === undefined) {
      this.problems.push(`${name} is required`);
      return '';
    }
    if (pattern && value !== '' && !pattern.test(value))
      this.problems.push(`${name} ${hint ?? 'is malformed'}`);
    return value;
  }

  url(name: string, fallback: string, protocols: string[]): string {
    const value = this.string(name, fallback);
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${name} must use ${protocols.join(' or ')} (got ${parsed.protocol})`);
      }
    } catch {
      this.problems.push(`${name} is not a valid URL`);
    }
    return value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw)) {
      this.problems.push(`${name} must be an integer (got "${raw}")`);
      return fallback;
    }
    const value = Number(raw);
    if (value < min || value > max) {
      this.problems.push(`${name} must be between ${min} and ${max} (got ${value})`);
    }
    return value;
  }

  fraction(name: string, fallback: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d*\.?\d+$/.test(raw) || value < 0 || value > 1) {
      this.problems.push(`${name} must be a number from 0 to 1 (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  }

  /** `host:port,host:port`: the sentinels to ask for the primary, or null when unset. */
  hostPorts(name: string): { host: string; port: number }[] | null {
    const raw = this.raw(name);
    if (raw === undefined) return null;
    const entries = raw.split(',').map((e) => e.trim());
    const parsed = entries.map((entry) =>
      /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(entry),
    );
    if (parsed.some((m) => !m || Number(m[2]) < 1 || Number(m[2]) > 65535)) {
      this.problems.push(`${name} must be a comma-separated list of host:port (got "${raw}")`);
      return null;
    }
    return parsed.map((m) => ({ host: m![1].replace(/^\[|\]$/g, ''), port: Number(m![2]) }));
  }

  /** A comma-separated list whose every item matches `item`. */
  list(name: string, fallback: readonly string[], item: RegExp, what: string): string[] {
    const raw = this.raw(name);
    if (raw === undefined) return [...fallback];
    const items = raw
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const bad = items.filter((e) => !item.test(e));
    if (bad.length > 0) {
      this.problems.push(
        `${name} must be a comma-separated list of ${what} (bad: "${bad.join('", "')}")`,
      );
    }
    return items.filter((e) => item.test(e));
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.raw(name) ?? fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;
/** The compose file's service names, which its containers call each other by. */
const DEFAULT_ALLOWED_HOSTS = ['api', 'api-scale', 'lb', 'queue-board', 'worker', 'worker-scale'];
const PREFIX = /^[A-Za-z0-9:_-]{1,64}$/;

function passwordFrom(r: Reader, url: string, urlVar: string, fileVar: string, env: Env): string {
  const result = withPasswordFile(url, urlVar, fileVar, env);
  r.problems.push(...result.problems);
  return result.url;
}

function readAppRole(r: Reader, env: Env): AppConfig['databaseAppRole'] {
  const name = r.string('DATABASE_APP_ROLE', '');
  if (name === '') return null;
  if (!IDENT.test(name)) r.problems.push('DATABASE_APP_ROLE must be a plain SQL identifier');
  const file = env.DATABASE_APP_PASSWORD_FILE?.trim();
  if (!file) {
    r.problems.push('DATABASE_APP_PASSWORD_FILE is required with DATABASE_APP_ROLE');
    return null;
  }
  const read = readPasswordFile(file, 'DATABASE_APP_PASSWORD_FILE');
  if (!read.ok) {
    r.problems.push(read.problem);
    return null;
  }
  return { name, password: read.password };
}

function sentinelConfig(r: Reader): RedisSentinelConfig | null {
  const sentinels = r.hostPorts('REDIS_SENTINELS');
  const name = r.string(
    'REDIS_SENTINEL_NAME',
    'flash',
    /^[A-Za-z0-9._-]{1,64}$/,
    'must be 1-64 of [A-Za-z0-9._-]',
  );
  const password = r.string('REDIS_SENTINEL_PASSWORD', '');
  return sentinels ? { sentinels, name, password: password || undefined } : null;
}

/**
 * BullMQ's keys for one queue must share a slot on Redis Cluster, which a hash tag in the
 * prefix gives them: `bull` becomes `{bull}`.
 */
function queuePrefix(prefix: string, cluster: RedisClusterConfig | null): string {
  return cluster ? `{${prefix}}` : prefix;
}

function clusterConfig(r: Reader, sentinel: RedisSentinelConfig | null): RedisClusterConfig | null {
  const nodes = r.hostPorts('REDIS_CLUSTER_NODES');
  if (!nodes) return null;
  if (sentinel) r.problems.push('REDIS_CLUSTER_NODES and REDIS_SENTINELS exclude each other');
  return { nodes };
}

export function loadConfig(env: Env = process.env): AppConfig {
  const r = new Reader(env);
  const nodeEnv = r.oneOf<NodeEnv>('NODE_ENV', 'development', [
    'development',
    'test',
    'production',
  ]);
  const production = nodeEnv === 'production';
  const resolved = resolveSecrets(env, nodeEnv);
  if (!resolved.ok) r.problems.push(...resolved.problems);
  const secrets: Secrets = resolved.ok
    ? resolved.secrets
    : (Object.fromEntries(SECRET_NAMES.map((n) => [n, ''])) as Secrets);
  const sentinel = sentinelConfig(r);
  const cluster = clusterConfig(r, sentinel);
  const config: AppConfig = {
    nodeEnv,
    logLevel: r.oneOf('LOG_LEVEL', nodeEnv === 'test' ? 'warn' : 'info', LOG_LEVELS),
    secretsSource: resolved.ok ? resolved.source : 'environment',
    secretOrigins: resolved.ok
      ? resolved.origins
      : (Object.fromEntries(SECRET_NAMES.map((n) => [n, 'nowhere'])) as SecretOrigins),
    port: r.int('PORT', 3000, 0, 65535),
    ops: {
      docs: r.bool('API_DOCS', !production),
      // Required in production: metrics name sales and their units, health names broken sales.
      metricsToken: r.secret('METRICS_TOKEN', production ? undefined : ''),
    },
    queueBoard: {
      port: r.int('QUEUE_BOARD_PORT', 3001, 0, 65535),
      writes: r.bool('QUEUE_BOARD_WRITES', false),
    },
    host: r.string('HOST', '127.0.0.1'),
    redisUrl: r.url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    redisSentinel: sentinel,
    redisCluster: cluster,
    durability: {
      waitReplicas: r.int('PURCHASE_WAIT_REPLICAS', 0, 0, 16),
      waitTimeoutMs: r.int('PURCHASE_WAIT_TIMEOUT_MS', 100, 1, 10_000),
      waitLocalAof: r.bool('PURCHASE_WAIT_LOCAL_AOF', false),
    },
    redisKeyPrefix: r.string('REDIS_KEY_PREFIX', 'fs:', PREFIX, 'must be 1-64 of [A-Za-z0-9:_-]'),
    databaseUrl: r.url('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test', [
      'postgres:',
      'postgresql:',
    ]),
    databaseSchema: r.string('DATABASE_SCHEMA', 'public', IDENT, 'must be a plain SQL identifier'),
    databasePoolSize: r.int('DATABASE_POOL_SIZE', 10, 1, 200),
    migrateWaitSeconds: r.int('MIGRATE_WAIT_SECONDS', 60, 0, 3600),
    databaseAppRole: readAppRole(r, env),
    jwtSecret: secrets.JWT_SECRET,
    jwtMaxLifetimeSeconds: r.int('JWT_MAX_LIFETIME_SECONDS', 86_400, 60, 30 * 86_400),
    devTokens: r.bool('DEV_TOKENS', !production),
    allowedHosts: r.list('ALLOWED_HOSTS', DEFAULT_ALLOWED_HOSTS, HOST_NAME, 'host names'),
    bodyLimitBytes: r.int('BODY_LIMIT_BYTES', 16 * 1024, 256, 10 * 1024 * 1024),
    http: {
      headersTimeoutMs: r.int('HTTP_HEADERS_TIMEOUT_MS', 10_000, 500, 120_000),
      requestTimeoutMs: r.int('HTTP_REQUEST_TIMEOUT_MS', 30_000, 500, 600_000),
    },
    purchaseStrategy: r.oneOf('PURCHASE_STRATEGY', 'redis', ['redis', 'postgres'] as const),
    paymentWindowSeconds: r.int('PAYMENT_WINDOW_SECONDS', 1800, 1, 7 * 24 * 3600),
    cancelsPerBuyer: r.int('CANCELS_PER_BUYER', 2, 0, 1000),
    expirySweepIntervalMs: r.int('EXPIRY_SWEEP_INTERVAL_MS', 5000, 100, 3_600_000),
    waitingRoom: {
      admissionSecret: secrets.ADMISSION_TOKEN_SECRET,
      tickMs: r.int('ADMISSION_TICK_MS', 100, 10, 10_000),
      streamsPerBuyer: r.int('SSE_STREAMS_PER_BUYER', 3, 1, 1000),
      streamsPerInstance: r.int('SSE_STREAMS_PER_INSTANCE', 20_000, 1, 1_000_000),
      streamsPerAddress: r.int('SSE_STREAMS_PER_ADDRESS', 50, 1, 1_000_000),
    },
    botDefence: {
      powSecret: secrets.ADMISSION_TOKEN_SECRET,
      challengeTtlMs: r.int('POW_CHALLENGE_TTL_MS', 120_000, 1000, 3_600_000),
    },
    humanCheck: readHumanCheck(r, production),
    pulseIntervalMs: r.int('LIVE_PULSE_MS', 1000, 0, 60_000),
    rateLimit: {
      windowMs: r.int('RATE_LIMIT_WINDOW_MS', 1000, 100, 3_600_000),
      perBuyer: r.int('RATE_LIMIT_PER_BUYER', 20, 0, 1_000_000),
      perIp: r.int('RATE_LIMIT_PER_IP', 0, 0, 10_000_000),
      perAnonymous: r.int('RATE_LIMIT_ANONYMOUS', 100, 0, 10_000_000),
      unknownSaleLookupsPerSecond: r.int('UNKNOWN_SALE_LOOKUPS_PER_SECOND', 100, 1, 1_000_000),
      trustProxy: readTrustProxy(r, env, 'TRUST_PROXY'),
    },
    payments: {
      provider: readProvider(r, env, production),
      currency: r.string(
        'PAYMENT_CURRENCY',
        'cny',
        /^[a-z]{3}$/,
        'must be three lower-case letters',
      ),
      stripe: { secretKey: '', webhookSecret: '', apiUrl: '' },
      webhookUrl: '',
      webhookSecret: secrets.PAYMENT_WEBHOOK_SECRET,
      webhookToleranceSeconds: r.int('PAYMENT_WEBHOOK_TOLERANCE_SECONDS', 300, 1, 86_400),
      latencyMs: r.int('PAYMENT_SIM_LATENCY_MS', 20, 0, 60_000),
      declineRate: r.fraction('PAYMENT_SIM_DECLINE_RATE', 0),
      failureRate: r.fraction('PAYMENT_SIM_FAILURE_RATE', 0),
      webhookDelayMs: r.int('PAYMENT_SIM_WEBHOOK_DELAY_MS', 200, 0, 600_000),
    },
    queue: {
      prefix: queuePrefix(
        r.string('QUEUE_PREFIX', 'bull', PREFIX, 'must be 1-64 of [A-Za-z0-9:_-]'),
        cluster,
      ),
      sealSecret: secrets.ADMISSION_TOKEN_SECRET,
      ordersQueue: r.string('ORDERS_QUEUE', 'orders', PREFIX, 'must be 1-64 of [A-Za-z0-9:_-]'),
      jobMode: r.oneOf('ORDER_JOB_MODE', 'batch', ['batch', 'order'] as const),
      backoffMs: r.int('ORDER_JOB_BACKOFF_MS', 200, 1, 600_000),
      backoffMaxMs: r.int('ORDER_JOB_BACKOFF_MAX_MS', 30_000, 1, 3_600_000),
    },
    worker: {
      concurrency: r.int('WORKER_CONCURRENCY', 200, 1, 10_000),
      batchSize: r.int('ORDER_BATCH_SIZE', 500, 1, 10_000),
      batchLingerMs: r.int('ORDER_BATCH_LINGER_MS', 5, 0, 10_000),
      lockDurationMs: r.int('WORKER_LOCK_DURATION_MS', 30_000, 500, 600_000),
      stalledIntervalMs: r.int('WORKER_STALLED_INTERVAL_MS', 30_000, 500, 600_000),
      metricsPort: r.int('WORKER_METRICS_PORT', 9464, 0, 65535),
    },
    recovery: {
      auto: r.bool('REBUILD_AUTO', true),
      checkIntervalMs: r.int('REBUILD_CHECK_INTERVAL_MS', 2000, 100, 600_000),
      requeueSeconds: r.int('REBUILD_REQUEUE_SECONDS', 30, 0, 3600),
      lossMarginMs: r.int('REBUILD_LOSS_MARGIN_MS', 120_000, 0, 86_400_000),
      auditIntervalMs: r.int('AUDIT_INTERVAL_MS', 10_000, 0, 3_600_000),
      auditGraceMs: r.int('AUDIT_GRACE_MS', 30_000, 0, 3_600_000),
    },
    relay: {
      enabled: r.bool('RELAY_ENABLED', true),
      batchSize: r.int('RELAY_BATCH_SIZE', 500, 1, 10_000),
      idleMs: r.int('RELAY_IDLE_MS', 50, 1, 60_000),
      claimIdleMs: r.int('RELAY_CLAIM_IDLE_MS', 30_000, 100, 3_600_000),
    },
  };

  config.redisUrl = passwordFrom(r, config.redisUrl, 'REDIS_URL', 'REDIS_PASSWORD_FILE', env);
  config.databaseUrl = passwordFrom(
    r,
    config.databaseUrl,
    'DATABASE_URL',
    'DATABASE_PASSWORD_FILE',
    env,
  );
  config.payments.stripe = readStripe(r, config.payments.provider, production);
  config.payments.webhookUrl = r.url(
    'PAYMENT_WEBHOOK_URL',
    `http://127.0.0.1:${config.port}/payments/webhook`,
    ['http:', 'https:'],
  );
  if (config.payments.webhookSecret && config.payments.webhookSecret.length < 32) {
    r.problems.push('PAYMENT_WEBHOOK_SECRET must be at least 32 characters');
  }
  if (config.jwtSecret && config.jwtSecret.length < 32) {
    r.problems.push('JWT_SECRET must be at least 32 characters');
  }
  const admission = config.waitingRoom.admissionSecret;
  if (admission && admission.length < 32) {
    r.problems.push('ADMISSION_TOKEN_SECRET must be at least 32 characters');
  }
  if (admission && admission === config.jwtSecret) {
    r.problems.push('ADMISSION_TOKEN_SECRET must differ from JWT_SECRET');
  }
  if (config.ops.metricsToken !== '' && config.ops.metricsToken.length < 32) {
    r.problems.push('METRICS_TOKEN must be at least 32 characters');
  }
  if (production && config.devTokens) {
    r.problems.push('DEV_TOKENS must not be true when NODE_ENV=production');
  }
  if (config.humanCheck.provider !== 'none' && config.humanCheck.hostnames.length === 0) {
    r.problems.push(
      "TURNSTILE_HOSTNAMES is required with HUMAN_CHECK=turnstile (the shop's host names)",
    );
  }
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) {
    r.problems.push('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
