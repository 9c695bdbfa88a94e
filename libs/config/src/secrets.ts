import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The three secrets, and where they come from. A secret with a public value is no secret, so
 * outside NODE_ENV=test no published value is ever accepted:
 * - set all three (each as NAME or as NAME_FILE, a file holding it), or none: one set alone
 *   means a deployment half-configured, and it stops;
 * - with none set in production, it stops;
 * - with none set elsewhere, they are generated once per install into SECRETS_DIR
 *   (default `.secrets`) and every process of that install reads the same file, so the API,
 *   the worker, the load driver and k6 agree without anyone choosing a password.
 */
export const SECRET_NAMES = [
  'JWT_SECRET',
  'ADMISSION_TOKEN_SECRET',
  'PAYMENT_WEBHOOK_SECRET',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];
export type Secrets = Record<SecretName, string>;

/** Public values, for tests only: refused in every other NODE_ENV. */
export const TEST_SECRETS: Secrets = {
  JWT_SECRET: 'test-only-jwt-secret-never-use-0123456789',
  ADMISSION_TOKEN_SECRET: 'test-only-admission-secret-never-use-0123',
  PAYMENT_WEBHOOK_SECRET: 'test-only-webhook-secret-never-use-012345',
};

/** The file the generated secrets live in, inside SECRETS_DIR. */
export const SECRETS_FILE = 'secrets.json';
export const DEFAULT_SECRETS_DIR = '.secrets';
/** Where generated secrets are kept (the variable's name). */
const SECRETS_DIR = 'SECRETS_DIR';

export type SecretsSource = 'environment' | 'generated' | 'test';

export type SecretsResult =
  | { ok: true; secrets: Secrets; source: SecretsSource }
  | { ok: false; problems: string[] };

type Env = Record<string, string | undefined>;

export function resolveSecrets(env: Env, nodeEnv: string): SecretsResult {
  const problems: string[] = [];
  const given: Partial<Secrets> = {};
  for (const name of SECRET_NAMES) {
    const value = readOne(env, name, problems);
    if (value !== undefined) given[name] = value;
  }
  if (problems.length > 0) return { ok: false, problems };
  const missing = SECRET_NAMES.filter((name) => given[name] === undefined);
  if (nodeEnv === 'test')
    return { ok: true, secrets: { ...TEST_SECRETS, ...given }, source: 'test' };
  if (missing.length === 0) {
    const secrets = given as Secrets;
    for (const name of SECRET_NAMES) {
      if (Object.values(TEST_SECRETS).includes(secrets[name])) {
        problems.push(`${name} is a published test value; outside NODE_ENV=test set your own`);
      }
    }
    return problems.length > 0
      ? { ok: false, problems }
      : { ok: true, secrets, source: 'environment' };
  }
  if (missing.length < SECRET_NAMES.length) {
    return {
      ok: false,
      problems: [
        `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set: set all of ${SECRET_NAMES.join(', ')}, or none to have them generated`,
      ],
    };
  }
  if (nodeEnv === 'production') {
    return {
      ok: false,
      problems: SECRET_NAMES.map((name) => `${name} is required when NODE_ENV=production`),
    };
  }
  const dir = nonEmpty(env[SECRETS_DIR]) ?? DEFAULT_SECRETS_DIR;
  try {
    return { ok: true, secrets: loadOrCreateSecrets(dir), source: 'generated' };
  } catch (err) {
    return { ok: false, problems: [`SECRETS_DIR ${dir}: ${(err as Error).message}`] };
  }
}

function readOne(env: Env, name: SecretName, problems: string[]): string | undefined {
  const direct = nonEmpty(env[name]);
  const file = nonEmpty(env[`${name}_FILE`]);
  if (direct !== undefined && file !== undefined) {
    problems.push(`set ${name} or ${name}_FILE, not both`);
    return undefined;
  }
  if (file === undefined) return direct;
  try {
    return nonEmpty(readFileSync(file, 'utf8').trim()) ?? fail(`${name}_FILE ${file} is empty`);
  } catch (err) {
    problems.push(`${name}_FILE: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * Reads the install's secrets, creating them first if this is the first process to ask.
 * Creation is atomic (a complete file is hard-linked into place), so two processes starting
 * together end up with the same secrets.
 */
export function loadOrCreateSecrets(dir: string): Secrets {
  const path = join(dir, SECRETS_FILE);
  const existing = tryRead(path);
  if (existing) return existing;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fresh = Object.fromEntries(
    SECRET_NAMES.map((name) => [name, randomBytes(32).toString('base64url')]),
  ) as Secrets;
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600 });
  try {
    linkSync(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(temp);
  }
  return tryRead(path) ?? fail(`${path} is not a valid secrets file`);
}

function tryRead(path: string): Secrets | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed: unknown = JSON.parse(text);
  const record = parsed as Record<string, unknown>;
  if (SECRET_NAMES.every((n) => typeof record?.[n] === 'string' && record[n].length >= 32)) {
    return Object.fromEntries(SECRET_NAMES.map((n) => [n, record[n] as string])) as Secrets;
  }
  throw new Error(`${path} does not hold the three secrets`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function fail(message: string): never {
  throw new Error(message);
}

/**
 * The JWT secret a tool on this install signs with (the load driver, the demo, the benches):
 * the same resolution as the API's, so a tool run from the same directory, or with the same
 * SECRETS_DIR, signs tokens the API accepts.
 */
export function localJwtSecret(env: Env = process.env): string {
  const resolved = resolveSecrets(env, env.NODE_ENV ?? 'development');
  if (!resolved.ok) throw new Error(`secrets: ${resolved.problems.join('; ')}`);
  return resolved.secrets.JWT_SECRET;
}
