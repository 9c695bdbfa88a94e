import { ConfigError, loadConfig as load, startupWarnings } from './app-config';
import { TEST_SECRETS } from './secrets';

/** These cases are about values, not secrets: the test secrets, never a file on disk. */
const loadConfig = (env: Record<string, string>) =>
  load({ NODE_ENV: 'test', ...(mentionsSecrets(env) ? {} : TEST_SECRETS), ...env });

/** Whether a case sets NODE_ENV or a secret itself: then the test secrets stay out of it. */
function mentionsSecrets(env: Record<string, string>): boolean {
  return Object.keys(env).some((name) => name === 'NODE_ENV' || /SECRET/.test(name));
}

const OWN = {
  JWT_SECRET: 'x'.repeat(40),
  PAYMENT_WEBHOOK_SECRET: 'y'.repeat(40),
  ADMISSION_TOKEN_SECRET: 'z'.repeat(40),
};
/** What production asks for besides the secrets. */
const METRICS = { METRICS_TOKEN: 'm'.repeat(40) };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('gives safe local defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.devTokens).toBe(true);
    expect(config.jwtSecret).toBe(TEST_SECRETS.JWT_SECRET);
    expect(config.secretsSource).toBe('published');
    expect(config.queue.jobMode).toBe('batch');
    expect(config.purchaseStrategy).toBe('redis');
    expect(config.rateLimit).toEqual({
      windowMs: 1000,
      perBuyer: 20,
      perIp: 0,
      perAnonymous: 100,
      unknownSaleLookupsPerSecond: 100,
      trustProxy: false,
    });
  });

  it('reads typed values', () => {
    const config = loadConfig({
      PORT: '8080',
      DEV_TOKENS: 'false',
      ORDER_BATCH_SIZE: '50',
      ORDER_JOB_MODE: 'order',
      PURCHASE_STRATEGY: 'postgres',
    });
    expect(config.port).toBe(8080);
    expect(config.devTokens).toBe(false);
    expect(config.worker.batchSize).toBe(50);
    expect(config.queue.jobMode).toBe('order');
    expect(config.purchaseStrategy).toBe('postgres');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be an integer'],
    [{ PORT: '70000' }, 'PORT must be between 0 and 65535'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL must use redis: or rediss:'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL is not a valid URL'],
    [{ DEV_TOKENS: 'yes' }, 'DEV_TOKENS must be true or false'],
    [{ DATABASE_SCHEMA: 'x; drop table' }, 'DATABASE_SCHEMA must be a plain SQL identifier'],
    [{ ...OWN, JWT_SECRET: 'short' }, 'JWT_SECRET must be at least 32 characters'],
    [{ JWT_SECRET_FILE: '/nonexistent/jwt' }, 'JWT_SECRET_FILE: ENOENT'],
    [{ HTTP_HEADERS_TIMEOUT_MS: '40000' }, 'HTTP_HEADERS_TIMEOUT_MS must not exceed'],
    [{ ORDER_JOB_MODE: 'sometimes' }, 'ORDER_JOB_MODE must be one of batch, order'],
    [{ PURCHASE_STRATEGY: 'mysql' }, 'PURCHASE_STRATEGY must be one of redis, postgres'],
    [
      { ...OWN, ADMISSION_TOKEN_SECRET: 'short' },
      'ADMISSION_TOKEN_SECRET must be at least 32 characters',
    ],
    [
      { ...OWN, JWT_SECRET: 'same'.repeat(10), ADMISSION_TOKEN_SECRET: 'same'.repeat(10) },
      'ADMISSION_TOKEN_SECRET must differ from JWT_SECRET',
    ],
    [{ RATE_LIMIT_PER_BUYER: '-1' }, 'RATE_LIMIT_PER_BUYER must be between 0 and 1000000'],
    [{ RATE_LIMIT_WINDOW_MS: '5' }, 'RATE_LIMIT_WINDOW_MS must be between 100 and 3600000'],
    [{ ADMISSION_TICK_MS: 'fast' }, 'ADMISSION_TICK_MS must be an integer'],
  ])('names the bad variable %j', (env, message) => {
    expect(problems(env).join('\n')).toContain(message);
  });

  it('production mode needs its own secrets and no dev tokens', () => {
    const production = (env: Record<string, string>) =>
      problems({ NODE_ENV: 'production', ...env });
    expect(production({})).toContain('JWT_SECRET is required when NODE_ENV=production');
    expect(production({ ...OWN, DEV_TOKENS: 'true' })).toContain(
      'DEV_TOKENS must not be true when NODE_ENV=production',
    );
    const config = load({
      NODE_ENV: 'production',
      ...OWN,
      ...METRICS,
      PAYMENT_PROVIDER: 'simulated',
    });
    expect(config.devTokens).toBe(false);
    expect(config.secretsSource).toBe('environment');
  });

  it('production mode takes payments only through a provider chosen on purpose', () => {
    const production = (env: Record<string, string>) =>
      problems({ NODE_ENV: 'production', ...OWN, ...env }).join('\n');
    expect(production({})).toContain('PAYMENT_PROVIDER is required when NODE_ENV=production');
    expect(production({ PAYMENT_PROVIDER: 'stripe' })).toContain('STRIPE_SECRET_KEY is required');
    expect(production({ PAYMENT_PROVIDER: 'stripe' })).toContain(
      'STRIPE_WEBHOOK_SECRET is required',
    );
    const stripe = {
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_live_abc',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
    };
    expect(production({ ...stripe, STRIPE_API_URL: 'http://127.0.0.1:1234' })).toContain(
      'STRIPE_API_URL must use https:',
    );
    expect(production({ ...stripe, STRIPE_SECRET_KEY: 'pk_live_public' })).toContain(
      'STRIPE_SECRET_KEY must be a Stripe secret key',
    );
    const real = load({ NODE_ENV: 'production', ...OWN, ...METRICS, ...stripe });
    expect(real.payments.provider).toBe('stripe');
    expect(startupWarnings(real)).toEqual([]);
    // The simulated gateway in production starts, and says so loudly.
    const pretend = load({
      NODE_ENV: 'production',
      ...OWN,
      ...METRICS,
      PAYMENT_PROVIDER: 'simulated',
    });
    expect(startupWarnings(pretend).join('\n')).toContain('NO MONEY MOVES');
    // Outside production it stays the default, with nothing to warn about.
    expect(loadConfig({}).payments.provider).toBe('simulated');
    expect(startupWarnings(loadConfig({})).join('\n')).not.toContain('PAYMENT_PROVIDER');
  });

  it('production mode guards the operations routes', () => {
    const production = (env: Record<string, string>) =>
      problems({ NODE_ENV: 'production', ...OWN, PAYMENT_PROVIDER: 'stripe', ...env }).join('\n');
    expect(production({})).toContain('METRICS_TOKEN is required');
    expect(production({ METRICS_TOKEN: 'short' })).toContain(
      'METRICS_TOKEN must be at least 32 characters',
    );
    expect(production({ METRICS_TOKEN: 'short' })).not.toContain('short (');
    const config = load({
      NODE_ENV: 'production',
      ...OWN,
      ...METRICS,
      PAYMENT_PROVIDER: 'simulated',
    });
    expect(config.ops).toEqual({ docs: false, metricsToken: METRICS.METRICS_TOKEN });
    expect(loadConfig({}).ops).toEqual({ docs: true, metricsToken: '' });
  });

  it('believes X-Forwarded-For only from configured proxies', () => {
    expect(loadConfig({}).rateLimit.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).rateLimit.trustProxy).toEqual({ hops: 1 });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1' }).rateLimit.trustProxy).toEqual({
      addresses: ['10.0.0.5', '10.1.0.0/16', '::1'],
    });
    expect(problems({ TRUST_PROXY: 'true' }).join('\n')).toContain(
      "TRUST_PROXY=true would believe any client's X-Forwarded-For",
    );
    expect(problems({ TRUST_PROXY: '10.0.0.0/33,lb' }).join('\n')).toContain(
      'TRUST_PROXY must be false, a hop count, or a list of addresses and CIDRs (bad: "10.0.0.0/33", "lb")',
    );
  });

  it('reads the Host allow-list and the queue board settings', () => {
    expect(loadConfig({}).allowedHosts).toContain('queue-board');
    expect(loadConfig({ ALLOWED_HOSTS: 'shop.internal, lb' }).allowedHosts).toEqual([
      'shop.internal',
      'lb',
    ]);
    expect(problems({ ALLOWED_HOSTS: 'ok,bad host,*.x' }).join('\n')).toContain(
      'ALLOWED_HOSTS must be a comma-separated list of host names (bad: "bad host", "*.x")',
    );
    expect(loadConfig({}).queueBoard).toEqual({ port: 3001, writes: false });
    expect(problems({ QUEUE_BOARD_WRITES: 'maybe' }).join('\n')).toContain(
      'QUEUE_BOARD_WRITES must be true or false',
    );
  });

  it.each(['production', 'development'])(
    'refuses the published test secrets, and one secret set without the others (%s)',
    (nodeEnv) => {
      expect(
        problems({ NODE_ENV: nodeEnv, ...OWN, JWT_SECRET: TEST_SECRETS.JWT_SECRET }),
      ).toContain('JWT_SECRET is a published test value; outside NODE_ENV=test set your own');
      expect(problems({ NODE_ENV: nodeEnv, JWT_SECRET: OWN.JWT_SECRET }).join('\n')).toContain(
        'ADMISSION_TOKEN_SECRET, PAYMENT_WEBHOOK_SECRET are not set',
      );
    },
  );

  it('reads a Redis Cluster, and gives BullMQ a hash-tagged prefix on it', () => {
    expect(loadConfig({}).redisCluster).toBeNull();
    expect(loadConfig({}).queue.prefix).toBe('bull');
    const config = loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000, redis-2:7001' });
    expect(config.redisCluster).toEqual({
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: 'redis-2', port: 7001 },
      ],
    });
    expect(config.queue.prefix).toBe('{bull}');
  });

  it('reads a Sentinel topology and the replica wait', () => {
    expect(loadConfig({}).redisSentinel).toBeNull();
    expect(loadConfig({}).durability).toEqual({
      waitReplicas: 0,
      waitTimeoutMs: 100,
      waitLocalAof: false,
    });
    const config = loadConfig({
      REDIS_SENTINELS: 'sentinel-1:26379, 10.0.0.2:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'shop',
      PURCHASE_WAIT_REPLICAS: '2',
      PURCHASE_WAIT_TIMEOUT_MS: '250',
    });
    expect(config.redisSentinel).toEqual({
      sentinels: [
        { host: 'sentinel-1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'shop',
      password: undefined,
    });
    expect(config.durability.waitReplicas).toBe(2);
    expect(config.durability.waitTimeoutMs).toBe(250);
  });

  it.each([
    [
      { REDIS_SENTINELS: 'sentinel-1' },
      'REDIS_SENTINELS must be a comma-separated list of host:port',
    ],
    [
      { REDIS_SENTINELS: 'a:1,b:99999' },
      'REDIS_SENTINELS must be a comma-separated list of host:port',
    ],
    [{ REDIS_SENTINEL_NAME: 'a b' }, 'REDIS_SENTINEL_NAME must be 1-64 of'],
    [{ REDIS_CLUSTER_NODES: '127.0.0.1' }, 'REDIS_CLUSTER_NODES must be a comma-separated list'],
    [
      { REDIS_CLUSTER_NODES: 'a:7000', REDIS_SENTINELS: 'b:26379' },
      'REDIS_CLUSTER_NODES and REDIS_SENTINELS exclude each other',
    ],
    [{ PURCHASE_WAIT_REPLICAS: '-1' }, 'PURCHASE_WAIT_REPLICAS must be between 0 and 16'],
    [{ PURCHASE_WAIT_TIMEOUT_MS: '0' }, 'PURCHASE_WAIT_TIMEOUT_MS must be between 1 and 10000'],
  ])('refuses a bad topology or wait: %j', (env, message) => {
    expect(problems(env).join('\n')).toContain(message);
  });

  it('logs at info by default, warn under test, and refuses an unknown level', () => {
    expect(load({ NODE_ENV: 'development', ...OWN }).logLevel).toBe('info');
    expect(loadConfig({}).logLevel).toBe('warn');
    expect(loadConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(problems({ LOG_LEVEL: 'verbose' }).join('\n')).toContain(
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    );
  });

  it('reads the human check, asking for its secret only with a provider', () => {
    expect(loadConfig({}).humanCheck).toMatchObject({ provider: 'none', onFail: 'refuse' });
    expect(problems({ HUMAN_CHECK: 'turnstile' })).toEqual([
      'TURNSTILE_SECRET_KEY is required',
      "TURNSTILE_HOSTNAMES is required with HUMAN_CHECK=turnstile (the shop's host names)",
    ]);
    const turnstile = loadConfig({
      HUMAN_CHECK: 'turnstile',
      TURNSTILE_SECRET_KEY: 'k',
      TURNSTILE_HOSTNAMES: 'shop.example,www.shop.example',
      TURNSTILE_VERIFY_URL: 'http://127.0.0.1:9/verify',
      HUMAN_CHECK_TIMEOUT_MS: '500',
      HUMAN_CHECK_ON_FAIL: 'suspect',
    }).humanCheck;
    expect(turnstile).toEqual({
      provider: 'turnstile',
      secretKey: 'k',
      verifyUrl: 'http://127.0.0.1:9/verify',
      timeoutMs: 500,
      onFail: 'suspect',
      hostnames: ['shop.example', 'www.shop.example'],
    });
    // In production the verification itself must travel over TLS.
    expect(
      problems({
        NODE_ENV: 'production',
        ...OWN,
        ...METRICS,
        PAYMENT_PROVIDER: 'simulated',
        HUMAN_CHECK: 'turnstile',
        TURNSTILE_SECRET_KEY: 'k',
        TURNSTILE_HOSTNAMES: 'shop.example',
        TURNSTILE_VERIFY_URL: 'http://127.0.0.1:9/verify',
      }),
    ).toEqual(['TURNSTILE_VERIFY_URL must use https: (got http:)']);
    const bad = problems({
      HUMAN_CHECK: 'recaptcha',
      TURNSTILE_VERIFY_URL: 'ftp://x',
      HUMAN_CHECK_TIMEOUT_MS: '0',
      HUMAN_CHECK_ON_FAIL: 'ignore',
    });
    for (const name of [
      'HUMAN_CHECK ',
      'TURNSTILE_VERIFY_URL',
      'HUMAN_CHECK_TIMEOUT_MS',
      'HUMAN_CHECK_ON_FAIL',
    ])
      expect(bad.some((p) => p.startsWith(name))).toBe(true);
  });

  it('reports every problem at once', () => {
    expect(problems({ NODE_ENV: 'test', PORT: 'x', DEV_TOKENS: 'maybe' })).toHaveLength(2);
  });
});
