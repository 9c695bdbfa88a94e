import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../loadtest/bench/processes';
import { repositoryRoot } from '../../loadtest/faults/fault-stack';
import { composeCommand, ensureEngine, run } from './docker-engine';
import { parseDemo, readmeCommands } from './readme-commands';
import { OFFICIAL_IMAGES, ensureImage } from './stand-in-images';

const log = (line: string) => process.stdout.write(`[docker] ${line}\n`);

/**
 * docker-compose.yml's default profile on a real Docker engine, from a fresh clone of the
 * repository: `up --build` until healthy, then the README's own commands against it as
 * written (the demo and its curl lines), then `down -v`. The images the file names come from
 * the registry, or from stand-ins built here when no registry answers (it says which).
 */
describe('docker compose on a real engine: the default profile', () => {
  const clone = join(mkdtempSync(join(tmpdir(), 'compose-clone-')), 'flash-sale');
  const project = `flashdocker${randomBytes(3).toString('hex')}`;
  let compose: string[];
  let env: NodeJS.ProcessEnv;
  let apiUrl: string;

  const composeRun = (args: string[], timeoutMs = 600_000) =>
    run(compose[0], [...compose.slice(1), ...args], { cwd: clone, env, timeoutMs });

  beforeAll(async () => {
    await ensureEngine(log);
    compose = composeCommand();
    log(`compose: ${compose.join(' ')}`);
    for (const tag of ['node:26-trixie-slim', 'redis:7-alpine', 'postgres:16-alpine']) {
      const image = OFFICIAL_IMAGES.find((i) => i.tag === tag)!;
      log(`${tag}: ${ensureImage(image, log)}`);
    }
    const cloned = run('git', ['clone', '-q', repositoryRoot(__dirname), clone]);
    if (cloned.status !== 0) throw new Error(`git clone: ${cloned.stderr}`);
    // The machine's own Redis and Postgres hold 6379 and 5432: the stack publishes elsewhere.
    const [api, redis, postgres, metrics] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    apiUrl = `http://127.0.0.1:${api}`;
    env = {
      ...process.env,
      COMPOSE_PROJECT_NAME: project,
      API_PORT: String(api),
      REDIS_PORT: String(redis),
      POSTGRES_PORT: String(postgres),
      WORKER_METRICS_PORT: String(metrics),
      // Where the README's host commands find the stack.
      LOADTEST_URL: apiUrl,
      DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${postgres}/flash`,
    };
  }, 1_800_000);

  afterAll(() => {
    if (compose) composeRun(['down', '-v', '--remove-orphans']);
    rmSync(join(clone, '..'), { recursive: true, force: true });
  });

  it("comes up healthy with the README's `docker compose up --build`", () => {
    const { composeUp } = readmeCommands(join(clone, 'README.md'));
    const started = Date.now();
    const up = composeRun([...composeUp.split(' ').slice(2), '-d'], 1_200_000);
    expect({ status: up.status, stderr: up.status === 0 ? '' : up.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    const healthy = waitHealthy(['api', 'worker'], 180_000);
    log(`up --build and healthy in ${Math.round((Date.now() - started) / 1000)} s`);
    expect(healthy).toEqual({ api: 'healthy', worker: 'healthy' });
  }, 1_500_000);

  it("runs the README's demo line from the host, and its curl lines buy, pay and refuse", async () => {
    const { demo } = readmeCommands(join(clone, 'README.md'));
    const ran = run('bash', ['-c', demo], { cwd: clone, env, timeoutMs: 900_000 });
    expect({ status: ran.status, stderr: ran.status === 0 ? '' : ran.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    const output = parseDemo(ran.stdout);
    expect(output.vars.API).toBe(apiUrl);
    const wait = output.opensAt.getTime() - Date.now() + 500;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const [sale, purchase, order, pay, cancel, stats] = output.curls;
    const curl = (line: string, extra: Record<string, string> = {}) => {
      const answer = run('bash', ['-c', line], {
        cwd: clone,
        env: { ...env, ...output.vars, ...extra },
      });
      return JSON.parse(answer.stdout) as Record<string, unknown>;
    };
    expect(curl(sale)).toMatchObject({ id: output.vars.SALE, status: 'live' });
    const bought = curl(purchase);
    expect(bought).toMatchObject({ saleId: output.vars.SALE, status: 'pending_payment' });
    const ORDER = bought.orderId as string;
    expect(curl(purchase)).toMatchObject({ orderId: ORDER }); // the same key, the same order
    expect(curl(order, { ORDER })).toMatchObject({ id: ORDER });
    expect(curl(pay, { ORDER })).toMatchObject({ id: ORDER, status: 'paid' });
    expect(curl(cancel, { ORDER })).toMatchObject({ error: { code: 'ORDER_CLOSED' } });
    expect(curl(stats)).toMatchObject({ paid: 1, held: 0 });
  }, 1_200_000);

  /** Polls the services' health until each is healthy, or the time is up; returns the last. */
  function waitHealthy(services: string[], timeoutMs: number): Record<string, string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = Object.fromEntries(services.map((s) => [s, health(s)]));
      if (Object.values(states).every((s) => s === 'healthy') || Date.now() > deadline)
        return states;
      run('sleep', ['2']);
    }
  }

  function health(service: string): string {
    const id = composeRun(['ps', '-q', service]).stdout.trim();
    if (!id) return 'missing';
    return run('docker', ['inspect', '--format', '{{.State.Health.Status}}', id]).stdout.trim();
  }
});
