import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { join } from 'node:path';
import { DEFAULT_SECRETS_DIR, SECRETS_FILE, loadConfig, localJwtSecret } from '@flash/config';
import { ComposeStack } from '../compose/compose-stack';
import { ComposeFile, environmentOf, loadComposeFile, portsOf } from '../compose/compose-file';
import { runScenario } from '../../loadtest/driver/run-scenario';
import { loadScenarioFile, resolveScenario } from '../../loadtest/driver/scenario';
import { COMPOSE_API_URL, COMPOSE_DATABASE_URL } from '../../loadtest/driver/targets';
import { createDemo } from '../../loadtest/demo/demo';
import { databaseUrl } from '../support/test-env';

const ROOT = join(__dirname, '..', '..');
const COMPOSE = join(ROOT, 'docker-compose.yml');

/**
 * docker-compose.yml checked without a Docker engine: its app services run as local
 * processes with exactly their compose command and environment (hosts and ports made
 * local), and a small sale goes through them with the Node driver. COMPOSE_CHECK_NODE runs
 * them on another Node binary (CI uses it for the current LTS, the image's Node).
 */
describe('docker-compose.yml, run as local processes', () => {
  // Compose's own defaults: nothing set in the shell.
  const file: ComposeFile = loadComposeFile(COMPOSE, {});
  const stack = new ComposeStack(file, {
    root: ROOT,
    postgresUrl: databaseUrl(),
    node: process.env.COMPOSE_CHECK_NODE || undefined,
  });

  afterAll(async () => {
    await stack.down();
  });

  /** The JWT secret a tool run on the host, from the project's directory, signs with. */
  const hostJwtSecret = () =>
    localJwtSecret({ SECRETS_DIR: join(stack.hostDir, DEFAULT_SECRETS_DIR) });

  it('gives every app service an environment the config accepts', async () => {
    // The password files the environments name exist once `secrets` has run.
    await stack.up(['secrets']);
    const apps = stack.appServices();
    // The scale profile's API and worker replicas run the same image, on the cluster; the
    // observability profile's queue board too.
    expect(apps.sort()).toEqual([
      'api',
      'api-scale',
      'migrate',
      'queue-board',
      'secrets',
      'worker',
      'worker-scale',
    ]);
    expect(loadConfig(stack.localEnv('queue-board')).queueBoard.port).toBe(3001);
    expect(loadConfig(stack.localEnv('api-scale')).redisCluster?.nodes).toHaveLength(3);
    for (const name of apps) {
      expect(() => loadConfig(stack.localEnv(name))).not.toThrow();
    }
    // One image, built once: only one service builds it.
    expect(Object.values(file.services).filter((s) => s.build)).toHaveLength(1);
  });

  it('starts migrate, api and worker as compose orders them, and sells a small sale through them', async () => {
    await stack.up(['api', 'worker']);
    expect(stack.services.get('migrate')!.output()).toMatch(/migrate: applied/);
    expect(stack.services.get('migrate')!.output()).toMatch(
      /migrate: role flash_app may read and write the rows of "public", nothing more/,
    );
    const api = stack.services.get('api')!;
    // The apps reach Postgres as their own role, and Redis with its password.
    expect(new URL(loadConfig(api.env).databaseUrl).username).toBe('flash_app');
    expect(new URL(loadConfig(api.env).redisUrl).password).not.toBe('');
    // Generated on first start into the `secrets` volume, shared by the api and the worker.
    expect(api.env.JWT_SECRET).toBe('');
    const jwtSecret = localJwtSecret(api.env);
    expect(localJwtSecret(stack.services.get('worker')!.env)).toBe(jwtSecret);
    const result = await runScenario({
      url: `http://127.0.0.1:${api.ports.get(3000)}`,
      scenario: resolveScenario(loadScenarioFile(), 'm2-batch1-2012'),
      mode: 'max',
      scale: 0.01,
      timeScale: 0.01,
      connections: 20,
      limitSeconds: 60,
      jwtSecret,
      database: { url: stack.databaseUrl(), schema: 'public' },
    });
    expect(result.unitsSold).toBe(500);
    expect(result.invariants.filter((i) => !i.ok)).toEqual([]);
    expect(result.invariants.map((i) => i.name)).toContain('payments reached Postgres');
  }, 180_000);

  it('npm run demo creates a sale opening soon, with tokens that work', async () => {
    const api = stack.services.get('api')!;
    const url = `http://127.0.0.1:${api.ports.get(3000)}`;
    const demo = await createDemo({
      url,
      jwtSecret: hostJwtSecret(),
      opensInSeconds: 300,
      stock: 100,
      perUserLimit: 2,
    });
    const sale = (await (await fetch(`${url}/sales/${demo.saleId}`)).json()) as Record<
      string,
      unknown
    >;
    expect(sale).toMatchObject({ stock: 100, perUserLimit: 2, status: 'upcoming' });
    const early = await fetch(`${url}/sales/${demo.saleId}/purchase`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.buyerToken}`, 'content-type': 'application/json' },
      body: '{"quantity":1}',
    });
    expect(early.status).toBe(409);
    expect(await early.json()).toEqual({ error: expect.objectContaining({ code: 'NOT_STARTED' }) });
    expect(demo.lines).toContain(`SALE=${demo.saleId}`);
    expect(demo.lines.join('\n')).toContain('$API/sales/$SALE/purchase');
  });

  it('publishes what the Node driver looks for by default', () => {
    const published = (service: string, port: number) =>
      portsOf(file.services[service]).find((p) => p.containerPort === port)!;
    const api = published('api', 3000);
    expect(COMPOSE_API_URL).toBe(`http://${api.hostIp}:${api.hostPort}`);
    const pg = published('postgres', 5432);
    const pgEnv = environmentOf(file.services.postgres);
    expect(COMPOSE_DATABASE_URL).toBe(
      `postgres://${pgEnv.POSTGRES_USER}:${pgEnv.POSTGRES_PASSWORD}@${pg.hostIp}:${pg.hostPort}/${pgEnv.POSTGRES_DB}`,
    );
  });

  it('runs the k6 script with settings it reads, after the worker, writing where the script writes', () => {
    const k6 = file.services.k6;
    const script = readFileSync(join(ROOT, 'loadtest', 'k6', 'flash-sale.js'), 'utf8');
    const read = new Set([...script.matchAll(/__ENV\.([A-Z0-9_]+)/g)].map((m) => m[1]));
    const env = environmentOf(k6);
    for (const name of Object.keys(env).filter((n) => !n.startsWith('K6_')))
      expect({ name, read: read.has(name) }).toEqual({ name, read: true });
    expect(Object.keys(k6.depends_on ?? {}).sort()).toEqual(['api', 'worker']);
    // The repository's loadtest/ is mounted so that relative paths are the repository root's.
    const mount = (k6.volumes ?? []).find((v) => v.startsWith('./loadtest:'))!;
    expect(mount).toBe(`./loadtest:${k6.working_dir}/loadtest`);
    expect(k6.command).toEqual(['run', 'loadtest/k6/flash-sale.js']);
    expect(env.K6_WEB_DASHBOARD_EXPORT).toMatch(/^loadtest\/results\/k6-[\w-]+\.html$/);
    expect(script).toContain("__ENV.SUMMARY_DIR || 'loadtest/results'");
  });

  it("puts a password on Redis, generated once into the project's .secrets", async () => {
    const redis = stack.services.get('redis')!;
    const anonymous = new Redis(redis.ports.get(6379)!, '127.0.0.1', {
      lazyConnect: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    await anonymous.connect();
    await expect(anonymous.get('fs:sales:active')).rejects.toThrow(/NOAUTH/);
    anonymous.disconnect();
    const apiEnv = stack.services.get('api')!.env;
    const password = readFileSync(apiEnv.REDIS_PASSWORD_FILE, 'utf8').trim();
    const conf = readFileSync(join(apiEnv.SECRETS_DIR, 'redis.conf'), 'utf8');
    expect(conf).toContain(`requirepass ${password}\n`);
  });

  it("gives every long-running app service a health check of its own (the image's is the API's)", () => {
    const oneShot = ['secrets', 'migrate'];
    for (const name of stack.appServices().filter((n) => !oneShot.includes(n))) {
      const test = [file.services[name].healthcheck?.test ?? []].flat().join(' ');
      const port = name.startsWith('worker') ? 9464 : name === 'queue-board' ? 3001 : 3000;
      expect({ name, test }).toEqual({
        name,
        test: expect.stringContaining(`http://127.0.0.1:${port}/`),
      });
    }
  });

  it('keeps Grafana and the balancer statistics shut until their passwords are set', () => {
    const grafana = file.services.grafana;
    const env = environmentOf(grafana);
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toBe('');
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
    expect((grafana.entrypoint as string[]).join(' ')).toMatch(/set GRAFANA_PASSWORD .*exit 1/);
    const set = loadComposeFile(COMPOSE, { GRAFANA_PASSWORD: 'chosen', LB_STATS_PASSWORD: 'x' });
    expect(environmentOf(set.services.grafana).GF_SECURITY_ADMIN_PASSWORD).toBe('chosen');
    expect(environmentOf(file.services.lb).LB_STATS_PASSWORD).toBe('');
    expect(environmentOf(set.services.lb).LB_STATS_PASSWORD).toBe('x');
  });

  it("mounts the project's .secrets into every service that reads secrets, and k6", () => {
    const mountOf = (service: string) =>
      (file.services[service].volumes ?? [])
        .map((v) => v.split(':'))
        .find(([source]) => source === `./${DEFAULT_SECRETS_DIR}`);
    const [, dir, mode] = mountOf('secrets')!;
    expect(mode).toBeUndefined(); // the generator writes there; everyone else reads
    for (const app of stack.appServices()) {
      expect({ app, mount: mountOf(app)?.slice(1) }).toEqual({
        app,
        mount: app === 'secrets' ? [dir] : [dir, 'ro'],
      });
      expect(environmentOf(file.services[app]).SECRETS_DIR).toBe(dir);
    }
    const k6 = mountOf('k6')!;
    expect(environmentOf(file.services.k6).SECRETS_FILE).toBe(`${k6[1]}/${SECRETS_FILE}`);
    expect(file.volumes).not.toHaveProperty('secrets');
  });
});
