import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeOnce } from './write-once';

/**
 * The passwords of compose's own servers, generated once per install into the secrets
 * directory beside the apps' secrets, so a plain `docker compose up` puts a password on Redis
 * and gives the apps a Postgres role of their own without anyone choosing one:
 * - `redis-password` and `database-password`: read by the apps (REDIS_PASSWORD_FILE,
 *   DATABASE_PASSWORD_FILE) and by the migration step (DATABASE_APP_PASSWORD_FILE), owner only;
 * - `redis.conf`: the same Redis password as directives a Redis server includes (requirepass,
 *   and masterauth for replicas and cluster nodes). Readable by the Redis servers, which run
 *   as a user of their own; the directory is not listable, and only the stack's containers
 *   mount it.
 */
export const STACK_PASSWORD_FILES = {
  redis: 'redis-password',
  database: 'database-password',
} as const;
export const REDIS_CONF_FILE = 'redis.conf';

export interface StackPasswords {
  redis: string;
  database: string;
}

export function loadOrCreateStackPasswords(dir: string): StackPasswords {
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  const passwords = {
    redis: passwordFile(join(dir, STACK_PASSWORD_FILES.redis)),
    database: passwordFile(join(dir, STACK_PASSWORD_FILES.database)),
  };
  const conf = join(dir, REDIS_CONF_FILE);
  writeOnce(conf, redisConf(passwords.redis), 0o644);
  if (!readFileSync(conf, 'utf8').includes(`requirepass ${passwords.redis}\n`))
    throw new Error(`${conf} does not hold the password of ${STACK_PASSWORD_FILES.redis}`);
  // Traversable, not listable: the Redis servers reach redis.conf by its name.
  chmodSync(dir, 0o711);
  return passwords;
}

/** The directives a Redis server of the stack includes: its password, and its primary's. */
export function redisConf(password: string): string {
  return [
    '# Generated once per install; the apps read the same password from redis-password.',
    `requirepass ${password}`,
    `masterauth ${password}`,
    '',
  ].join('\n');
}

function passwordFile(path: string): string {
  if (!existsSync(path)) writeOnce(path, `${randomBytes(24).toString('base64url')}\n`, 0o600);
  const password = readFileSync(path, 'utf8').split('\n', 1)[0].trim();
  if (!/^[A-Za-z0-9_-]{16,}$/.test(password))
    throw new Error(`${path} does not hold a password of 16 or more of [A-Za-z0-9_-]`);
  return password;
}

/**
 * compose runs the generator as root on a directory of the host's (`./.secrets`, which the
 * clone created, so the host's user owns it). Both must read what is in it: the apps, as
 * `appUid` (the image's `node`), and the host's tools, as that user. Each file goes to the
 * apps' uid and the directory's group, readable by that group (redis.conf by all, for the
 * Redis servers); the directory can be crossed but not listed by anyone else.
 */
export function shareSecrets(dir: string, files: readonly string[], appUid: number): void {
  const { gid } = statSync(dir);
  for (const name of files) {
    const path = join(dir, name);
    chownSync(path, appUid, gid);
    chmodSync(path, name === REDIS_CONF_FILE ? 0o644 : 0o640);
  }
  chmodSync(dir, 0o711);
}
