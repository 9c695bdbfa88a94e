import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { parse } from 'yaml';
import { repositoryRoot } from '../faults/fault-stack';
import { Attack, verdict } from './attack-kit';

const ROOT = repositoryRoot(__dirname);

interface GrafanaService {
  entrypoint: string[];
  environment: Record<string, string>;
}

/**
 * The Grafana service of docker-compose.yml as compose would run it with nothing set in
 * `.env`: `${VAR:-}` is empty, `$$` is `$`. (Grafana itself cannot be had here; its
 * entrypoint's guard is plain sh, and is run as it is.)
 */
function grafanaUnset(): GrafanaService {
  const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  const compose = parse(text, { merge: true }) as { services: { grafana: GrafanaService } };
  const unset = (value: string) => value.replace(/\$\{[A-Z_]+:-\}/g, '').replace(/\$\$/g, '$');
  const { entrypoint, environment } = compose.services.grafana;
  return {
    entrypoint: entrypoint.map(unset),
    environment: Object.fromEntries(
      Object.entries(environment).map(([k, v]) => [k, unset(String(v))]),
    ),
  };
}

/** Compose's own servers (docs/security.md, "Compose's own servers"), as the stack runs them. */
export const COMPOSE_ATTACKS: Attack[] = [
  {
    id: 'redis-anonymous',
    severity: 'low',
    point: 14,
    title: "read the sale state from Redis's published port without a password",
    async run(stack) {
      const redis = new Redis(stack.redisPort, '127.0.0.1', {
        lazyConnect: true,
        enableReadyCheck: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      redis.on('error', () => undefined);
      try {
        await redis.connect();
        const answer = await redis.keys(`${stack.env.REDIS_KEY_PREFIX}*`).then(
          (keys) => `${keys.length} keys listed`,
          (err: Error) => err.message,
        );
        return verdict(answer.startsWith('NOAUTH'), answer);
      } finally {
        redis.disconnect();
      }
    },
  },
  {
    id: 'app-role-ddl',
    severity: 'low',
    point: 14,
    title: "with the apps' own Postgres credentials, drop the orders table and rewrite the ledger",
    async run(stack) {
      const app = await stack.appSql();
      try {
        const tried = await Promise.all(
          ['DROP TABLE orders', 'DELETE FROM migrations', 'ALTER ROLE CURRENT_USER SUPERUSER'].map(
            (sql) =>
              app.query(sql).then(
                () => 'done',
                (err: Error) => err.message,
              ),
          ),
        );
        const owner = await stack.sql();
        const left = await owner.query<{ t: string | null }>(`SELECT to_regclass('orders') AS t`);
        await owner.end();
        const refused = tried.every((t) => t !== 'done') && left.rows[0].t !== null;
        return verdict(refused, tried.join('; '));
      } finally {
        await app.end();
      }
    },
  },
  {
    id: 'balancer-stats-open',
    severity: 'low',
    point: 14,
    title: "read HAProxy's statistics page (every instance and its health) without a login",
    async run(stack) {
      const tries = [undefined, stack.lb.statsAuthorization('admin')];
      const statuses = await Promise.all(
        tries.map(async (authorization) => {
          const res = await fetch(stack.lb.statsUrl(), {
            headers: authorization ? { authorization } : {},
          });
          await res.arrayBuffer();
          return res.status;
        }),
      );
      return verdict(
        statuses.every((s) => s === 401),
        `no login ${statuses[0]}, a guessed one ${statuses[1]}`,
      );
    },
  },
  {
    id: 'grafana-default-login',
    severity: 'low',
    point: 14,
    title: 'log in to Grafana as admin/admin, or view it anonymously, on a stack with no .env',
    run() {
      const grafana = grafanaUnset();
      const [shell, flag, script] = grafana.entrypoint;
      const started = spawnSync(shell, [flag, script.replace('exec /run.sh', 'exit 0')], {
        env: { PATH: process.env.PATH ?? '', ...grafana.environment },
        encoding: 'utf8',
      });
      const anonymous = grafana.environment.GF_AUTH_ANONYMOUS_ENABLED;
      const refused = started.status !== 0 && anonymous === 'false';
      return Promise.resolve(
        verdict(
          refused,
          `start ${started.status === 0 ? 'allowed' : `refused (${started.stderr.trim()})`}, anonymous ${anonymous}`,
        ),
      );
    },
  },
  {
    id: 'secrets-in-image',
    severity: 'low',
    point: 14,
    title: 'find the generated secrets or .env inside the built image',
    run() {
      const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
        .split('\n')
        .map((line) => line.trim());
      const missing = ['.secrets', '.env'].filter((name) => !ignored.includes(name));
      return Promise.resolve(
        verdict(
          missing.length === 0,
          missing.length === 0
            ? '.dockerignore leaves out .secrets and .env'
            : `sent: ${missing.join(', ')}`,
        ),
      );
    },
  },
];
